"""Turn-taking: the places to compute on one device, shared by the jobs that train there."""

from __future__ import annotations

import threading
import time
from collections import deque


class Slots:
    """The places to compute on one device, shared in turns.

    At most `size` jobs compute at once. A job that has computed for `turn_s` while others wait hands its
    place to the first in line and joins the back of it, so every run moves (each more slowly) instead of
    a few running to the end while the rest wait. Waiting can be cut short by a stop.
    """

    def __init__(self, size: int, turn_s: float):
        self.turn_s = turn_s
        self._cond = threading.Condition()
        self._free = size
        self._line: deque[object] = deque()  # tickets of the waiting jobs, first come first served
        self._held = threading.local()  # per training thread: holds a place? since when?

    def acquire(self, cancelled) -> bool:
        """Wait in line for a place; False (and out of the line) as soon as `cancelled()` says so."""
        ticket = object()
        with self._cond:
            self._line.append(ticket)
        while True:
            with self._cond:
                if self._take(ticket) or (self._cond.wait(0.1) and self._take(ticket)):
                    break
            if cancelled():
                with self._cond:
                    self._line.remove(ticket)
                    self._cond.notify_all()  # the one behind may now be first
                return False
        self._held.value, self._held.since = True, time.monotonic()
        return True

    def _take(self, ticket) -> bool:
        # Called holding the lock.
        if not (self._free and self._line[0] is ticket):
            return False
        self._line.popleft()
        self._free -= 1
        self._cond.notify_all()  # with several places free, the next in line may go too
        return True

    def release(self) -> None:
        if getattr(self._held, "value", False):
            self._held.value = False
            with self._cond:
                self._free += 1
                self._cond.notify_all()

    def pass_turn(self, cancelled) -> bool:
        """Between steps: if this job's turn is over and others wait, go to the back of the line.
        False when `cancelled()` stopped the wait (the job then holds no place)."""
        if not self._line or time.monotonic() - self._held.since < self.turn_s:
            return True
        self.release()
        return self.acquire(cancelled)


class NoSlot:
    def release(self) -> None: ...

    def acquire(self, cancelled) -> bool:
        return True

    def pass_turn(self, cancelled) -> bool:
        return True
