"""The teacher password: where it is set, how it is checked, and how a burst of wrong ones is slowed.

Set it with $DLP_TEACHER_PASSWORD or on the command line (`streamlit run app.py -- --teacher-password X`).
Only a salted hash stays in memory; a guess is hashed the same way and compared in constant time. Wrong
guesses are kept in the database per client, so every app server sharing it slows the same burst: after
FREE_TRIES wrong ones within WINDOW_S, each further guess waits twice as long as the one before.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sys
from collections.abc import Callable, Sequence

from sqlalchemy import delete, func, insert, select

from dlcore.classroom.tables import ATTEMPTS
from dlcore.errors import ClassroomError, TooManyAttempts
from dlcore.runs.store import RunStore

PASSWORD_ENV = "DLP_TEACHER_PASSWORD"
PASSWORD_FLAG = "--teacher-password"
FREE_TRIES = 5  # wrong passwords a client may type before it is slowed down
FIRST_WAIT_S = 2.0  # the wait after the first wrong password beyond FREE_TRIES; it doubles each time
MAX_WAIT_S = 300.0
WINDOW_S = 900.0  # wrong passwords older than this are forgotten
_HASH_ROUNDS = 100_000


def configured_password(argv: Sequence[str] | None = None) -> str | None:
    """The teacher password from the command line (`--teacher-password X` or `--teacher-password=X`),
    else $DLP_TEACHER_PASSWORD, else None (no teacher pages)."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == PASSWORD_FLAG and i + 1 < len(args):
            return args[i + 1] or None
        if arg.startswith(PASSWORD_FLAG + "="):
            return arg.split("=", 1)[1] or None
    return os.environ.get(PASSWORD_ENV) or None


class TeacherLock:
    """Checks teacher passwords against one password, with wrong guesses counted in the database."""

    def __init__(self, store: RunStore, password: str | None, clock: Callable[[], float]):
        self.store, self.clock = store, clock
        self._salt = secrets.token_bytes(16)
        self._hash = None if not password else self._digest(password)

    @property
    def configured(self) -> bool:
        return self._hash is not None

    def check(self, password: str, client: str) -> None:
        """Return when `password` is the teacher's; else ClassroomError (wrong) or TooManyAttempts (a
        burst from `client`: not even checked until the wait is over)."""
        if self._hash is None:
            raise ClassroomError(
                "No teacher password is set on this server: start it with --teacher-password or "
                f"${PASSWORD_ENV}",
                "password",
            )
        client = str(client)[:200]
        now = self.clock()
        with self.store._begin("check the teacher password") as conn:
            conn.execute(delete(ATTEMPTS).where(ATTEMPTS.c.client == client, ATTEMPTS.c.at < now - WINDOW_S))
            wrong, last = conn.execute(
                select(func.count(), func.max(ATTEMPTS.c.at)).where(ATTEMPTS.c.client == client)
            ).one()
        wait = _wait_after(wrong)
        if wait and now < last + wait:
            raise TooManyAttempts(last + wait - now)
        if hmac.compare_digest(self._digest(str(password)), self._hash):
            with self.store._begin("check the teacher password") as conn:
                conn.execute(delete(ATTEMPTS).where(ATTEMPTS.c.client == client))
            return
        with self.store._begin("check the teacher password") as conn:
            conn.execute(insert(ATTEMPTS).values(client=client, at=now))
        raise ClassroomError("That is not the teacher password.", "password")

    def _digest(self, password: str) -> bytes:
        return hashlib.pbkdf2_hmac("sha256", password.encode(), self._salt, _HASH_ROUNDS)


def _wait_after(wrong: int) -> float:
    """Seconds a client must wait after its latest wrong password, having typed `wrong` of them."""
    if wrong < FREE_TRIES:
        return 0.0
    return min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (wrong - FREE_TRIES))
