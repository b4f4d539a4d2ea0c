"""The classroom: classes students join with a code, challenges scored on hidden examples, leaderboards,
and the teacher's view of every student's runs. No Streamlit: pages call it, tests and notebooks too.

    room = classroom_service()                          # on the process's run store
    cls = room.create_class("Year 11 physics")          # cls.code: "KXMPRW", for the projector
    student, key = room.join(cls.code, "Ada")           # key: lets Ada rejoin from another browser
    ch = room.create_challenge(cls.id, "Digits", "digits", target=0.9, max_parameters=5000)
    # the student trains on dlcore.data.load(ch.dataset, **ch.data_options) as student.owner, then
    room.hand_in(student, ch.id, run_id)                # scored on examples the student never had
    room.leaderboard(ch.id, TEACHER)

Who may see what is decided here, not by the pages: a student reads only their own runs and hand-ins,
only their class's challenges, and a leaderboard only once the teacher shares it. The teacher is whoever
passed `check_teacher_password`; the pages keep that in the browser session and pass TEACHER.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import math
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from dlcore.classroom.scoring import METRICS, hidden_examples, score_run
from dlcore.classroom.tables import CHALLENGES, CLASSES, HAND_INS, METADATA, STUDENTS
from dlcore.classroom.teacher import TeacherLock, configured_password
from dlcore.data.catalogue import info
from dlcore.data.dataset import HOLDOUT
from dlcore.errors import ClassroomError, DlcoreError, RunError, excerpt
from dlcore.runs.store import RunRecord, RunStore, run_store
from dlcore.runs.tables import plain

CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no O or I (nor 0 or 1): read off a projector, typed right
CODE_LENGTH = 6
KEY_LENGTH = 8
MAX_NAME = 40
TEACHER = "teacher"  # the viewer the pages pass once the teacher password was checked
ENDED_WELL = ("finished", "stopped")  # a run that kept its final weights


@dataclass(frozen=True)
class ClassRecord:
    id: int
    code: str
    name: str
    created: datetime


@dataclass(frozen=True)
class StudentRecord:
    """A student of a class. `owner` is the run store's owner key of their runs: after joining, the page
    makes the browser session's owner this key, so every run they train is theirs."""

    id: int
    class_id: int
    name: str
    owner: str


@dataclass(frozen=True)
class ChallengeRecord:
    """A task set for a class: train on `dataset` with `options`, reach `target` on `metric` ("accuracy"
    or "r2", higher is better) measured on hidden examples, within the limits (None: no limit)."""

    id: int
    class_id: int
    title: str
    dataset: str
    options: dict
    metric: str
    target: float
    max_parameters: int | None
    max_epochs: int | None
    open: bool
    leaderboard_shared: bool
    created: datetime
    holdout: str

    @property
    def data_options(self) -> dict:
        """What to load the challenge's data with: `dlcore.data.load(ch.dataset, **ch.data_options)`
        gives the student's data, without the hidden examples; only runs trained on it can be handed in."""
        return {**self.options, HOLDOUT: self.holdout}


@dataclass(frozen=True)
class HandIn:
    """A run handed in for a challenge and its score on the hidden examples: `per_class` lists
    {"class", "accuracy", "examples"} for classifiers; `problems` the limits it broke (then it did not
    pass, whatever its score)."""

    id: int
    challenge_id: int
    student_id: int
    run_id: int
    score: float | None
    per_class: list
    passed: bool
    problems: list
    handed_in: datetime
    parameters: int = 0


@dataclass(frozen=True)
class LeaderboardRow:
    """A student's best hand-in within the limits. `run_id` only for the teacher (None for students)."""

    rank: int
    student: str
    score: float
    passed: bool
    parameters: int
    handed_in: datetime
    run_id: int | None


@dataclass(frozen=True)
class StudentProgress:
    """A student, their latest run (None before their first) and their hand-ins, newest first."""

    student: StudentRecord
    latest_run: RunRecord | None
    hand_ins: list[HandIn]


class Classroom:
    """Classes, students, challenges and hand-ins in the run store's database (see the module docstring).
    `teacher_password` defaults to the configured one (configured_password()); `clock` is for tests."""

    def __init__(
        self,
        store: RunStore,
        *,
        teacher_password: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.store, self.clock = store, clock
        try:
            METADATA.create_all(store.engine)
        except SQLAlchemyError as err:  # the runs database opened, so this is rare: say it plainly
            raise ClassroomError(f"the classroom tables cannot be created ({err})", "database") from err
        password = teacher_password if teacher_password is not None else configured_password()
        self._lock = TeacherLock(store, password, clock)

    # --- teacher ------------------------------------------------------------------------------------

    def teacher_password_configured(self) -> bool:
        return self._lock.configured

    def check_teacher_password(self, password: str, client: str) -> None:
        """Return when `password` is the teacher's. ClassroomError when it is wrong (or none is set),
        TooManyAttempts(wait_s) after a burst of wrong ones from `client` (an address or a session)."""
        self._lock.check(password, client)

    def create_class(self, name: str) -> ClassRecord:
        """A new class with a fresh code of CODE_LENGTH letters."""
        name = _clean(name, "class name", 100)
        for _ in range(20):  # 24**6 codes: a clash is rare, and retried
            values = {"code": _code(CODE_LENGTH), "name": name, "created": self.clock()}
            try:
                with self.store._begin("create the class") as conn:
                    class_id = conn.execute(insert(CLASSES).values(**values)).inserted_primary_key[0]
                return ClassRecord(class_id, values["code"], name, _when(values["created"]))
            except RunError as err:
                if not isinstance(err.__cause__, IntegrityError):
                    raise
        raise ClassroomError("no free class code was found: try again", "name")

    def classes(self) -> list[ClassRecord]:
        """Every class, newest first."""
        query = select(CLASSES).order_by(CLASSES.c.created.desc(), CLASSES.c.id.desc())
        with self.store._connect("list the classes") as conn:
            return [_class(row) for row in conn.execute(query)]

    def get_class(self, class_id: int) -> ClassRecord:
        return _class(self._row(CLASSES, class_id, "class"))

    def students(self, class_id: int) -> list[StudentRecord]:
        """The class's students in the order they joined."""
        query = select(STUDENTS).where(STUDENTS.c.class_id == class_id).order_by(STUDENTS.c.id)
        with self.store._connect("list the students") as conn:
            return [_student(row) for row in conn.execute(query)]

    def create_challenge(
        self,
        class_id: int,
        title: str,
        dataset: str,
        options: dict | None = None,
        *,
        target: float = 0.9,
        max_parameters: int | None = None,
        max_epochs: int | None = None,
    ) -> ChallengeRecord:
        """A challenge on `dataset` with `options` (others take their defaults), scored by the task's
        metric (accuracy for classes, r2 for values) on hidden examples. ClassroomError naming the field
        when the dataset cannot be a challenge or a value is out of range."""
        self.get_class(class_id)
        title = _clean(title, "challenge title", 200)
        try:
            task = info(dataset).task
        except DlcoreError as err:
            raise ClassroomError(err.message, "dataset") from err
        if task not in METRICS:
            raise ClassroomError(
                f"'{dataset}' is a {task} dataset: a challenge needs one whose answers are classes or "
                "values to score (for example digits, iris or spiral)",
                "dataset",
            )
        target = _target(target)
        limits = {
            "max_parameters": _limit(max_parameters, "max_parameters"),
            "max_epochs": _limit(max_epochs, "max_epochs"),
        }
        holdout = secrets.token_hex(8)
        options = {k: v for k, v in (options or {}).items() if k != HOLDOUT}
        hidden = hidden_examples(dataset, {**options, HOLDOUT: holdout})
        if len(hidden.test[0]) == 0:
            raise ClassroomError(
                f"'{dataset}' with these options has too few examples to hide some: use more examples",
                "options",
            )
        values = {
            "class_id": class_id,
            "title": title,
            "dataset": dataset,
            "options": plain({k: v for k, v in hidden.options.items() if k != HOLDOUT}),
            "holdout": holdout,
            "metric": METRICS[task],
            "target": target,
            **limits,
            "is_open": True,
            "leaderboard_shared": False,
            "created": self.clock(),
        }
        with self.store._begin("create the challenge") as conn:
            challenge_id = conn.execute(insert(CHALLENGES).values(**values)).inserted_primary_key[0]
        return self.challenge(challenge_id)

    def close_challenge(self, challenge_id: int) -> None:
        """No more hand-ins; the scores and the leaderboard stay."""
        self._set_challenge(challenge_id, "close the challenge", is_open=False)

    def share_leaderboard(self, challenge_id: int, shared: bool = True) -> None:
        """Let the class's students see the challenge's leaderboard (or stop)."""
        self._set_challenge(challenge_id, "share the leaderboard", leaderboard_shared=bool(shared))

    def class_progress(self, class_id: int) -> list[StudentProgress]:
        """Every student of the class with their latest run and their hand-ins."""
        in_class = select(STUDENTS.c.id).where(STUDENTS.c.class_id == class_id)
        hand_ins = self._hand_ins(HAND_INS.c.student_id.in_(in_class))
        return [
            StudentProgress(
                student,
                next(iter(self.store.runs(owner=student.owner, limit=1)), None),
                [h for h in hand_ins if h.student_id == student.id],
            )
            for student in self.students(class_id)
        ]

    def class_run(self, class_id: int, run_id: int) -> RunRecord:
        """A run of one of the class's students, for the teacher to open read-only; ClassroomError for
        anyone else's run."""
        run = self._run(run_id)
        if run.owner not in {s.owner for s in self.students(class_id)}:
            raise ClassroomError(f"run {run_id} is not a run of this class's students", "run")
        return run

    def export_csv(self, class_id: int) -> str:
        """The class's results, one row per hand-in: challenge, student, run, score, passed, problems."""
        students = {s.id: s.name for s in self.students(class_id)}
        challenges = {c.id: c for c in self.challenges(class_id)}
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "challenge",
                "metric",
                "target",
                "student",
                "run",
                "score",
                "passed",
                "weights",
                "problems",
                "handed_in",
            ]
        )
        hand_ins = self._hand_ins(HAND_INS.c.challenge_id.in_(list(challenges)))
        for h in sorted(hand_ins, key=lambda h: (h.challenge_id, students[h.student_id], h.id)):
            challenge = challenges[h.challenge_id]
            writer.writerow(
                [
                    _cell(challenge.title),
                    challenge.metric,
                    challenge.target,
                    _cell(students[h.student_id]),
                    h.run_id,
                    "" if h.score is None else f"{h.score:.4f}",
                    "yes" if h.passed else "no",
                    h.parameters,
                    _cell("; ".join(h.problems)),
                    h.handed_in.isoformat(timespec="seconds"),
                ]
            )
        return out.getvalue()

    # --- students -----------------------------------------------------------------------------------

    def join(self, code: str, name: str, rejoin_key: str | None = None) -> tuple[StudentRecord, str]:
        """Join the class with `code` as `name`; returns the student and their rejoin key. A name already
        in the class is only given back with that name's rejoin key (nobody takes over another's name)."""
        cls = self.class_by_code(code)
        name = _clean(name, "name", MAX_NAME)
        existing = self._student_named(cls.id, name)
        if existing is not None:
            row_hash = existing[1]
            if rejoin_key and hmac.compare_digest(_hash_key(rejoin_key), row_hash):
                return existing[0], str(rejoin_key).strip().upper()
            raise ClassroomError(
                f"'{name}' has already joined this class: type the rejoin key you were given, or choose "
                "another name",
                "name",
            )
        key = _code(KEY_LENGTH)
        values = {
            "class_id": cls.id,
            "name": name,
            "name_key": name.casefold(),
            "owner": f"student-{secrets.token_urlsafe(12)}",
            "rejoin_hash": _hash_key(key),
            "joined": self.clock(),
        }
        try:
            with self.store._begin("join the class") as conn:
                student_id = conn.execute(insert(STUDENTS).values(**values)).inserted_primary_key[0]
        except RunError as err:
            if isinstance(err.__cause__, IntegrityError):  # the same name joined a moment ago
                raise ClassroomError(
                    f"'{name}' has just joined this class: choose another name", "name"
                ) from err
            raise
        return StudentRecord(student_id, cls.id, name, values["owner"]), key

    def class_by_code(self, code: str) -> ClassRecord:
        code = "".join(str(code).split()).upper()
        with self.store._connect("find the class") as conn:
            row = conn.execute(select(CLASSES).where(CLASSES.c.code == code)).first()
        if row is None:
            raise ClassroomError(
                f"no class has the code '{code[:12]}': check the code your teacher shows", "code"
            )
        return _class(row)

    def challenges(self, class_id: int, open_only: bool = False) -> list[ChallengeRecord]:
        """The class's challenges, newest first (only the open ones when `open_only`)."""
        query = select(CHALLENGES).where(CHALLENGES.c.class_id == class_id)
        if open_only:
            query = query.where(CHALLENGES.c.is_open.is_(True))
        with self.store._connect("list the challenges") as conn:
            rows = conn.execute(query.order_by(CHALLENGES.c.created.desc(), CHALLENGES.c.id.desc()))
            return [_challenge(row) for row in rows]

    def challenge(self, challenge_id: int) -> ChallengeRecord:
        return _challenge(self._row(CHALLENGES, challenge_id, "challenge"))

    def _row(self, table, row_id: int, what: str):
        """The row of `table` with id `row_id`; ClassroomError (field `what`) when there is none."""
        with self.store._connect(f"read the {what}") as conn:
            row = conn.execute(select(table).where(table.c.id == row_id)).first()
        if row is None:
            raise ClassroomError(f"there is no {what} {row_id}", what)
        return row

    def hand_in(self, student: StudentRecord, challenge_id: int, run_id: int) -> HandIn:
        """Hand in one of the student's own runs, trained on the challenge's data: its model is rebuilt
        from the run's spec and weights, checked against the limits, and scored on the hidden examples.
        ClassroomError (field "run" or "challenge") when the run may not be handed in."""
        student, challenge = self._open_challenge(student, challenge_id)
        run = self._run(run_id)
        refusal = _refusal(run, student, challenge)
        if refusal:
            raise ClassroomError(refusal, "run")
        hidden = hidden_examples(challenge.dataset, challenge.data_options)
        scored = score_run(self.store, run, hidden, challenge.max_parameters, challenge.max_epochs)
        values = {
            "challenge_id": challenge.id,
            "student_id": student.id,
            "run_id": run.id,
            "score": scored.score,
            "per_class": scored.per_class,
            "passed": not scored.problems and scored.score >= challenge.target,
            "problems": scored.problems,
            "parameters": scored.parameters,
            "handed_in": self.clock(),
        }
        with self.store._begin("save the hand-in") as conn:
            hand_in_id = conn.execute(insert(HAND_INS).values(**plain(values))).inserted_primary_key[0]
        return _hand_in({"id": hand_in_id, **plain(values)})

    def hand_ins(self, student: StudentRecord) -> list[HandIn]:
        """The student's own hand-ins, newest first."""
        return self._hand_ins(HAND_INS.c.student_id == self._current(student).id)

    def my_runs(self, student: StudentRecord) -> list[RunRecord]:
        """The student's own runs, newest first."""
        return self.store.runs(owner=self._current(student).owner)

    def runs_to_hand_in(self, student: StudentRecord, challenge_id: int) -> list[RunRecord]:
        """The student's runs that `hand_in` would take for the challenge (ended, trained from fresh
        weights on its data), newest first."""
        student, challenge = self._open_challenge(student, challenge_id)
        runs = self.store.runs(owner=student.owner, status=ENDED_WELL)
        return [run for run in runs if _refusal(run, student, challenge) is None]

    def leaderboard(self, challenge_id: int, viewer: StudentRecord | str) -> list[LeaderboardRow]:
        """Each student's best hand-in within the limits, best first (ties: the earlier first). For the
        TEACHER always; for a student of the class only once the teacher shared it."""
        challenge = self.challenge(challenge_id)
        teacher = viewer == TEACHER
        if not teacher:
            student = self._current(viewer)
            if student.class_id != challenge.class_id:
                raise ClassroomError("this challenge is not one of your class's", "challenge")
            if not challenge.leaderboard_shared:
                raise ClassroomError("the teacher has not shared this leaderboard yet", "challenge")
        names = {s.id: s.name for s in self.students(challenge.class_id)}
        within_limits = [h for h in self._hand_ins(HAND_INS.c.challenge_id == challenge_id) if not h.problems]
        best: dict[int, HandIn] = {}  # per student, in rank order: the highest score, the earliest first
        for h in sorted(within_limits, key=lambda h: (-h.score, h.handed_in, h.id)):
            best.setdefault(h.student_id, h)
        return [
            LeaderboardRow(
                i + 1,
                names[h.student_id],
                h.score,
                h.passed,
                h.parameters,
                h.handed_in,
                h.run_id if teacher else None,
            )
            for i, h in enumerate(best.values())
        ]

    # --- plumbing -----------------------------------------------------------------------------------

    def _current(self, student: StudentRecord) -> StudentRecord:
        """The student as the database has them now: a record made up or of a deleted class is refused."""
        with self.store._connect("read the student") as conn:
            row = conn.execute(select(STUDENTS).where(STUDENTS.c.id == getattr(student, "id", None))).first()
        if row is None or row.owner != student.owner:
            raise ClassroomError("you are not in this class any more: join it again with its code", "code")
        return _student(row)

    def _open_challenge(
        self, student: StudentRecord, challenge_id: int
    ) -> tuple[StudentRecord, ChallengeRecord]:
        """The student as the database has them and the challenge, open and of their class."""
        student, challenge = self._current(student), self.challenge(challenge_id)
        if challenge.class_id != student.class_id:
            raise ClassroomError("this challenge is not one of your class's", "challenge")
        if not challenge.open:
            raise ClassroomError(f"'{challenge.title}' is closed: no more hand-ins", "challenge")
        return student, challenge

    def _student_named(self, class_id: int, name: str) -> tuple[StudentRecord, str] | None:
        query = select(STUDENTS).where(
            STUDENTS.c.class_id == class_id, STUDENTS.c.name_key == name.casefold()
        )
        with self.store._connect("find the student") as conn:
            row = conn.execute(query).first()
        return None if row is None else (_student(row), row.rejoin_hash)

    def _run(self, run_id: Any) -> RunRecord:
        try:
            return self.store.run(int(run_id))
        except (RunError, TypeError, ValueError) as err:
            raise ClassroomError(f"there is no run {str(run_id)[:20]}", "run") from err

    def _hand_ins(self, where) -> list[HandIn]:
        query = select(HAND_INS).where(where).order_by(HAND_INS.c.handed_in.desc(), HAND_INS.c.id.desc())
        with self.store._connect("read the hand-ins") as conn:
            return [_hand_in(dict(row._mapping)) for row in conn.execute(query)]

    def _set_challenge(self, challenge_id: int, doing: str, **values: Any) -> None:
        with self.store._begin(doing) as conn:
            changed = conn.execute(update(CHALLENGES).where(CHALLENGES.c.id == challenge_id).values(**values))
        if changed.rowcount == 0:
            raise ClassroomError(f"there is no challenge {challenge_id}", "challenge")


def _refusal(run: RunRecord, student: StudentRecord, challenge: ChallengeRecord) -> str | None:
    """Why `student` may not hand in `run` for `challenge`, for them to read; None when they may."""
    if run.owner != student.owner:
        return f"run {run.id} is not one of your runs: hand in a run you trained"
    if run.alive:
        return f"run {run.id} is still training: hand it in once it has ended"
    if run.started_from is not None:
        return (
            f"run {run.id} started from saved weights (a {run.started_from}): hand in a run trained from "
            "fresh weights on the challenge's data"
        )
    if run.dataset != challenge.dataset or plain(run.options) != plain(challenge.data_options):
        return (
            f"run {run.id} trained on other data than the challenge's: open the challenge from the "
            "Classroom page and train on its data"
        )
    return None


def _code(length: int) -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(length))


def _hash_key(key: str) -> str:
    return hashlib.sha256(str(key).strip().upper().encode()).hexdigest()


def _clean(text: str, what: str, longest: int) -> str:
    """`text` on one line, without surrounding spaces or control characters (PostgreSQL refuses a NUL);
    ClassroomError when empty or too long."""
    cleaned = " ".join(
        "".join(c for c in str(text) if c.isspace() or unicodedata.category(c) != "Cc").split()
    )
    if not cleaned:
        raise ClassroomError(f"type a {what} (a few letters)", what.split()[-1])
    if len(cleaned) > longest:
        raise ClassroomError(f"a {what} has at most {longest} characters: shorten it", what.split()[-1])
    return cleaned


def _target(value: Any) -> float:
    try:
        target = float(value)
    except (TypeError, ValueError):
        target = math.nan
    if not 0.0 <= target <= 1.0:
        raise ClassroomError(f"the target is a score between 0 and 1, not {excerpt(value)}", "target")
    return target


def _limit(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ClassroomError(
            f"{name} is a whole number of at least 1 (or empty: no limit), not {excerpt(value)}", name
        )
    return value


def _cell(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading = + - @ would make it a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _class(row) -> ClassRecord:
    return ClassRecord(row.id, row.code, row.name, _when(row.created))


def _student(row) -> StudentRecord:
    return StudentRecord(row.id, row.class_id, row.name, row.owner)


def _challenge(row) -> ChallengeRecord:
    return ChallengeRecord(
        row.id,
        row.class_id,
        row.title,
        row.dataset,
        dict(row.options),
        row.metric,
        row.target,
        row.max_parameters,
        row.max_epochs,
        bool(row.is_open),
        bool(row.leaderboard_shared),
        _when(row.created),
        row.holdout,
    )


def _hand_in(values: dict) -> HandIn:
    return HandIn(
        values["id"],
        values["challenge_id"],
        values["student_id"],
        values["run_id"],
        values["score"],
        list(values["per_class"]),
        bool(values["passed"]),
        list(values["problems"]),
        _when(values["handed_in"]),
        values["parameters"],
    )


_SERVICES: dict[int, Classroom] = {}
_SERVICES_LOCK = threading.Lock()


def classroom_service() -> Classroom:
    """The classroom on the process's run store (`run_store()`), opened once per store."""
    store = run_store()
    with _SERVICES_LOCK:
        if id(store) not in _SERVICES:
            _SERVICES[id(store)] = Classroom(store)
        return _SERVICES[id(store)]
