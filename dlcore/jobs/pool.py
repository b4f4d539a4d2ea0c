"""The job pool: the process-wide limits every training job goes through.

A few jobs per owner, a few computing at once per device while the rest take turns (see slots), a
wall-time limit, and reaping of jobs nobody watches any more.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING

from dlcore.errors import TrainError
from dlcore.jobs.slots import Slots

if TYPE_CHECKING:
    from dlcore.jobs.job import Job

LOCAL_OWNER = "local"  # notebooks and the command line: no page sends heartbeats, so never reaped
MAX_PARAMETERS = 20_000_000  # the largest model one job may train (see JobPool)


def _default_device_caps() -> dict[str, int]:
    return {"cpu": max(2, os.cpu_count() or 2), "cuda": 4, "mps": 2}


class JobPool:
    """Server-wide limits for training jobs.

    max_per_owner: jobs one owner (a browser session) may have alive at once (3: labs that compare runs,
    such as the 2-D playground's A/B pair or a race of three optimizers). max_per_device: jobs computing
    at once per device type; more take turns of turn_s seconds each, first come first served (see Slots).
    max_seconds: wall-time limit per job (pauses not counted). max_parameters: the largest model one job
    may train (weights and optimizer state must fit beside everyone else's). heartbeat_grace_s: a job
    whose owner sent no heartbeat for this long is stopped and freed (owner "local" is exempt). One
    reaper thread runs while any job is alive.
    """

    def __init__(
        self,
        max_per_owner: int = 3,
        max_per_device: dict[str, int] | None = None,
        max_seconds: float = 1800.0,
        heartbeat_grace_s: float = 20.0,
        reap_every_s: float = 1.0,
        max_parameters: int = MAX_PARAMETERS,
        turn_s: float = 0.05,
    ):
        self.max_per_owner = max_per_owner
        self.turn_s = turn_s
        self.max_parameters = max_parameters
        self.max_per_device = {**_default_device_caps(), **(max_per_device or {})}
        self.max_seconds = max_seconds
        self.heartbeat_grace_s = heartbeat_grace_s
        self.reap_every_s = reap_every_s
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._slots: dict[str, Slots] = {}
        self._reaper: threading.Thread | None = None

    def slot(self, device_type: str) -> Slots:
        with self._lock:
            if device_type not in self._slots:
                size = self.max_per_device.get(device_type, 2)
                self._slots[device_type] = Slots(size, self.turn_s)
            return self._slots[device_type]

    def admit(self, job: Job) -> None:
        """Register a job about to start; TrainError if its owner already has the maximum alive."""
        with self._lock:
            # Jobs told to stop end within a step (and ended ones are on their way out): they hold no place,
            # so a session can stop its pair and start a new one at once.
            mine = [j for j in self._jobs.values() if j.owner == job.owner and j is not job and j.holds_place]
            if len(mine) >= self.max_per_owner:
                raise TrainError(
                    f"you already have {len(mine)} trainings running (the most at once is "
                    f"{self.max_per_owner}): "
                    "stop one before starting another",
                    field="owner",
                )
            job.heartbeat()
            self._jobs[job.id] = job
            if self._reaper is None:
                self._reaper = threading.Thread(target=self._reap_loop, name="dlcore-reaper", daemon=True)
                self._reaper.start()

    def job_ended(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)

    def jobs(self, owner: str | None = None) -> list[Job]:
        """Alive jobs (of one owner, or all)."""
        with self._lock:
            return [j for j in self._jobs.values() if owner is None or j.owner == owner]

    def sharing_with(self, job: Job) -> int:
        """How many other runs `job` takes turns with (0 unless it trains on a device short of places)."""
        if job.status != "running":
            return 0
        with self._lock:
            running = sum(j.device == job.device and j.status == "running" for j in self._jobs.values())
        return running - 1 if running > self.max_per_device.get(job.device, 2) else 0

    def stop_owner(self, owner: str, reason: str = "stopped by you") -> list[Job]:
        """Stop every job of `owner` (e.g. before starting a new pair); returns them."""
        jobs = self.jobs(owner)
        for job in jobs:
            job.stop(reason)
        return jobs

    @property
    def reaper_alive(self) -> bool:
        with self._lock:
            return self._reaper is not None

    def _reap_loop(self) -> None:
        while self._reap_once() and not _EXITING.wait(self.reap_every_s):
            pass

    def _reap_once(self) -> bool:
        """Stop unwatched jobs; False when none is left (the reaper then exits; admit() starts a new one).
        Its own method so that no job stays referenced while the reaper sleeps: a job freed by a daemon
        thread while the interpreter exits aborts the process (torch frees tensors outside the GIL)."""
        with self._lock:
            if not self._jobs:
                self._reaper = None
                return False
            jobs = list(self._jobs.values())
        now = time.monotonic()
        for job in jobs:
            if job.owner != LOCAL_OWNER and now - job.last_heartbeat > self.heartbeat_grace_s:
                job._free_on_end = True
                job.stop(f"nobody watched it for {self.heartbeat_grace_s:g} s (its page was closed)")
        return True


_POOL = JobPool()
ALL_JOBS: weakref.WeakSet[Job] = weakref.WeakSet()
_EXITING = threading.Event()


@atexit.register
def _stop_all_jobs() -> None:
    # Torch code still running in a daemon thread while the interpreter shuts down can abort the process.
    _EXITING.set()
    jobs = [job for job in list(ALL_JOBS) if job.alive]
    for job in jobs:
        job.stop("the program is closing")
    for job in jobs:
        job.wait(5)
    for thread in threading.enumerate():
        if thread.name == "dlcore-reaper":
            thread.join(5)


def job_pool() -> JobPool:
    """The process-wide job pool every job goes through."""
    return _POOL
