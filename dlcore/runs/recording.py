"""Recording every training job into the run store, off the training thread.

`start_training` calls `record_job(job, name, group)` once before the job's thread starts. From then on:
- a RunCallback subscribed to the job copies weights on the training thread, rarely: the best ones when
  the validation loss improves (within a budget of its training time) and the final ones at the end;
- the process's RunWriter thread, every FLUSH_S seconds, reads each job's new metric rows (the job's own
  thinned log, never the device) and its status, and writes them all in one transaction.
So a killed server loses at most the last FLUSH_S seconds, and training never waits for the database.
When the database cannot be written, `recording_problem()` says why, training goes on, and the writer
tries again at its next flush (the rows not yet written are read again from the job's log).
A reset job (Reset, or Start after it ended) is a new run.
"""

from __future__ import annotations

import atexit
import getpass
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
from torch import nn

from dlcore.errors import DlcoreError, RunError
from dlcore.runs.store import ALIVE, RunStore, RunUpdate, run_store
from dlcore.training import Callback

if TYPE_CHECKING:
    from dlcore.jobs.job import Job

FLUSH_S = 1.0  # the writer's period: a killed server loses at most this much of every run
MAX_ROWS = 4000  # metric rows a run keeps; a longer run is thinned evenly (every 2nd, 4th, ... row)
BEST_SAVE_S = 10.0  # the best weights' file is rewritten at most this often while a run trains
ROWS_PER_FLUSH = 25  # rows a write adds per run at most: a fast run is thinned from the start
BEST_COPY_BUDGET = 0.02  # copies of the best weights may take at most 2% of a run's training time
LOCAL_WHO = "local"

_log = logging.getLogger(__name__)
_names: dict[str, str] = {}  # owner (a browser tab) -> the name its person typed


def record_job(job: Job, name: str | None = None, group: str | None = None) -> Recording | None:
    """Keep `job` as a run from now on (see the module docstring). Returns its Recording, or None when
    the store cannot be opened (`recording_problem()` says why; the job trains all the same)."""
    writer = run_writer()
    try:
        recording = Recording(job, run_store(), name, group)
    except RunError as err:
        writer.open_problem = f"Runs are not being saved: {err.message}"
        _log.warning(writer.open_problem)
        return None
    writer.open_problem = None
    job.add_callback(RunCallback(recording, writer))
    writer.add(recording)
    return recording


def set_who(owner: str, who: str) -> None:
    """The person behind `owner` (a browser tab), as they typed their name: their runs, past and future,
    say so."""
    who = " ".join(str(who).split())[:100]
    if not who:
        raise RunError("type a name (a few letters) so your runs say who ran them", field="who")
    _names[owner] = who
    run_store().set_who(owner, who)


def who_is(owner: str) -> str:
    """The name runs of `owner` are kept under: the name typed for it, else the computer's user for local
    runs (notebooks, the command line), else the browser tab's id."""
    if owner in _names:
        return _names[owner]
    if owner == LOCAL_WHO:
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return LOCAL_WHO
    return owner


def recording_problem() -> str | None:
    """Why runs are not being saved right now (the database cannot be opened, or refused the last
    write), else None."""
    writer = run_writer()
    return writer.open_problem or writer.problem


class Recording:
    """One job being kept: its current run in the store, and how far its metrics were written."""

    def __init__(self, job: Job, store: RunStore, name: str | None, group: str | None):
        self.job, self.store, self.name, self.group = job, store, name, group
        self.lock = threading.Lock()
        self.fits = 0  # fit()s the job started (a reset starts another)
        self.fit_recorded = 0  # the fit whose run run_id is
        self.ended = False  # its run was written as ended (a reset after that starts a new one)
        self.weights: dict[str, dict[str, torch.Tensor]] = {}  # kind -> state dict, waiting to be saved
        self.parameters = 0
        self.run_id = self._new_run()

    def _new_run(self) -> int:
        job, cfg = self.job, self.job.config
        self.written = Written()
        self.kept_weights: dict[str, int | str] = {}  # kind -> the file's size, or why it was not kept
        self.best_saved_at = -math.inf
        self.job.run_id = self.store.create_run(
            name=self.name or _default_name(job),
            run_group=self.group,
            owner=job.owner,
            who=who_is(job.owner),
            status=job.status,
            setup={**job.setup.to_dict(), **_started_from(job)},
            main_role=job.main_role,
            config=cfg.to_dict(),
            dataset=job.dataset.name,
            options=dict(job.dataset.options),
            seed=cfg.seed,
            device=job.device_name,
            parameters=self.parameters,
        )
        return self.job.run_id

    # --- from the training thread (RunCallback) ------------------------------------------------------

    def keep(self, kind: str, state: dict[str, torch.Tensor]) -> None:
        with self.lock:
            self.weights[kind] = state

    # --- from the writer thread ---------------------------------------------------------------------

    def collect(self) -> tuple[RunUpdate, Callable[[], None]]:
        """This run's changes since the last write, and what to remember once they are written."""
        job = self.job
        ended = not job.alive  # read first: rows logged before the end are all in the frame below
        with self.lock:
            fits = self.fits
        since = self.written.cursor if fits == self.fit_recorded else None
        frame = job.metrics(since=since)
        written, rows, thin_to = self.written.advance(frame)
        progress = job.progress()
        fields = {
            "status": job.status,
            "steps": written.step,  # the last row's: what the kept metrics reach
            "epochs": progress["epoch"],
            "duration_s": progress["elapsed_s"],
            "best": written.best,
            "final": {**written.last, **(_test_scores(job.result) if ended else {})},
            "parameters": self.parameters,
            "device": job.device_name,  # a run on a Ray cluster learns its node once it has started there
        }
        if ended:
            fields.update(ended=time.time(), message=job.message or "")

        def remember() -> None:
            self.written, self.fit_recorded = written, fits

        return RunUpdate(self.run_id, fields, rows, thin_to), remember

    def save_weights(self, now: bool = False) -> None:
        """Write the weights waiting to be saved: the final ones at once, the best ones at most every
        BEST_SAVE_S seconds while the run trains (a large model's file is not rewritten every second),
        unless `now`."""
        with self.lock:
            waiting = dict(self.weights)
        for kind, state in waiting.items():
            recent = time.monotonic() - self.best_saved_at < BEST_SAVE_S
            if kind == "best" and self.job.alive and recent and not now:
                continue
            try:
                self.kept_weights[kind] = self.store.keep_weights(self.run_id, kind, state)
            except RunError as err:
                self.kept_weights[kind] = err.message
            self.best_saved_at = time.monotonic() if kind == "best" else self.best_saved_at
            with self.lock:
                if self.weights.get(kind) is state:
                    del self.weights[kind]

    def start_new_run_if_reset(self) -> None:
        """After a reset (a new fit), the run so far is closed as stopped and a new one starts."""
        with self.lock:
            fits = self.fits
        if fits > 1 and fits != self.fit_recorded and self.fit_recorded:
            self.save_weights(now=True)  # the weights of the run that ends are its own
            with self.lock:
                self.weights.clear()
            if not self.ended:
                closed = {"status": "stopped", "ended": time.time(), "message": "Reset: a new run started."}
                self.store.write([RunUpdate(self.run_id, {**closed, "weights": dict(self.kept_weights)})])
            self.run_id = self._new_run()
            self.fit_recorded, self.ended = fits, False


@dataclass(frozen=True)
class Written:
    """How far a run's metrics were written: the job's metrics cursor after them, the rows seen (`n`,
    written or thinned away), the stride of the rows kept (n a multiple of it, and the newest row), the n
    of the rows in the store, the best validation scores, the latest values and the latest row's step."""

    cursor: int | None = None
    n: int = 0
    stride: int = 1
    kept: tuple[int, ...] = ()
    best: dict = field(default_factory=dict)
    last: dict = field(default_factory=dict)
    step: int = 0

    def advance(self, frame: pd.DataFrame) -> tuple[Written, list[tuple[int, int, dict]], int | None]:
        """After the new metric rows `frame`: the new state, the rows to write (n, step, values) and the
        stride the stored rows are thinned to first (None: nothing to thin)."""
        # One float array: pandas' per-column operations cost far more than these few numbers.
        names = [str(c) for c in frame.columns]
        table = frame.to_numpy(dtype=float)
        finite = np.isfinite(table)
        measured = [j for j, name in enumerate(names) if name not in ("step", "count")]
        steps = table[:, names.index("step")].astype(int)
        best, last = _improved(self.best, names, table, finite), dict(self.last)
        for j in measured:
            where = np.flatnonzero(finite[:, j])
            if where.size:
                last[names[j]] = float(table[where[-1], j])
        numbers = range(self.n, self.n + len(table))
        n, step = self.n + len(table), int(steps[-1]) if len(table) else self.step

        def values(i: int) -> dict[str, float]:
            return {names[j]: float(table[i, j]) for j in measured if finite[i, j]}

        # The stride only doubles, so the rows kept stay evenly spaced: up to ROWS_PER_FLUSH a write, and
        # MAX_ROWS in all (room for the newest row too).
        stride = self.stride
        while len(table) > ROWS_PER_FLUSH * stride:
            stride *= 2
        on_stride = [k for k in (*self.kept, *numbers) if k % stride == 0]
        while len(on_stride) + 1 > MAX_ROWS:
            stride *= 2
            on_stride = [k for k in on_stride if k % stride == 0]
        # The rows on the stride, and the newest row (the store always reaches the latest step) until the
        # next write replaces it.
        chosen = [i for i, k in enumerate(numbers) if k % stride == 0 or k == n - 1]
        rows = [(numbers[i], int(steps[i]), values(i)) for i in chosen]
        newest = [n - 1] if rows else list(self.kept[-1:])
        kept = tuple(on_stride + [k for k in newest if k % stride])
        # Thin the stored rows when the stride grew, or to drop the previous write's newest row.
        stale_newest = bool(self.kept) and self.kept[-1] % stride != 0
        thin_to = stride if stride != self.stride or (stale_newest and rows) else None
        return Written(frame.attrs["cursor"], n, stride, kept, best, last, step), rows, thin_to


class RunCallback(Callback):
    """On the training thread: counts fits, copies the best weights (rarely) and the final ones."""

    def __init__(self, recording: Recording, writer: RunWriter):
        self.recording, self.writer = recording, writer

    def on_fit_start(self, logs):
        models = logs.get("models") or {"model": logs["model"]}
        self.model = nn.ModuleDict(models) if len(models) > 1 else next(iter(models.values()))
        self.best_loss = math.inf
        self.copy_cost = 0.0
        self.last_copy = -math.inf
        self.started = time.perf_counter()
        rec = self.recording
        with rec.lock:
            rec.fits += 1
            rec.parameters = sum(p.numel() for p in self.model.parameters())
        self.writer.add(rec)  # again after a reset of an ended job

    def on_epoch_end(self, epoch, logs):
        loss = logs.get("val_loss")
        if loss is None or not loss < self.best_loss:
            return
        self.best_loss = loss
        now = time.perf_counter()
        # The budget: copying must not take more than BEST_COPY_BUDGET of the time since the last copy.
        if now - self.last_copy >= self.copy_cost / BEST_COPY_BUDGET:
            self.recording.keep("best", self._copy())
            self.last_copy = time.perf_counter()
            self.copy_cost = self.last_copy - now

    def on_fit_end(self, logs):
        if logs.get("status") != "failed":
            self.recording.keep("final", self._copy())

    def _copy(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().to("cpu", copy=True) for k, v in self.model.state_dict().items()}


class RunWriter:
    """The process's one writer thread: every FLUSH_S seconds it writes every recording's progress."""

    def __init__(self):
        self.problem: str | None = None  # why the last write failed
        self.open_problem: str | None = None  # why the store could not be opened for the last job
        self._recordings: list[Recording] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one flush at a time (the thread's, or one asked for)
        self._wake = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None

    def add(self, recording: Recording) -> None:
        with self._lock:
            if recording not in self._recordings:
                self._recordings.append(recording)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="dlcore-run-writer", daemon=True)
                self._thread.start()

    def flush(self) -> None:
        """Write every recording's progress now (the writer does it every FLUSH_S seconds)."""
        with self._flushing:
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            recordings = list(self._recordings)
        by_store: dict[int, tuple[RunStore, list]] = {}
        for recording in recordings:
            try:
                recording.start_new_run_if_reset()
                update, written = recording.collect()
                recording.save_weights()  # after collect: the final weights of a run it saw end are here
                update.fields["weights"] = dict(recording.kept_weights)
            except DlcoreError as err:  # the store, or a job on a Ray cluster that does not answer
                self._failed(err)
                continue
            by_store.setdefault(id(recording.store), (recording.store, []))[1].append(
                (recording, update, written)
            )
        for store, batch in by_store.values():
            try:
                store.write([update for _, update, _ in batch])
            except RunError as err:
                self._failed(err)
                continue
            self.problem = None
            for recording, update, written in batch:
                written()
                if update.fields["status"] not in ALIVE:
                    recording.ended = True
                    self._drop(recording)

    def _failed(self, err: RunError) -> None:
        if self.problem is None:
            _log.warning("Runs are not being saved: %s", err.message)
        self.problem = f"Runs are not being saved: {err.message}. Training goes on."

    def _drop(self, recording: Recording) -> None:
        with self._lock:
            if recording in self._recordings:
                self._recordings.remove(recording)

    def _loop(self) -> None:
        while not self._closing:
            self._wake.wait(FLUSH_S)
            self._wake.clear()
            try:
                self.flush()
            except Exception as err:  # the writer must outlive anything; a page shows the problem
                self.problem = f"Runs are not being saved: {type(err).__name__}: {err}"
                _log.exception("the run writer failed")

    def close(self) -> None:
        """At exit: a last flush; runs still training are marked interrupted (the program is closing)."""
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(FLUSH_S + 5)
        self.flush()
        with self._lock:
            left = list(self._recordings)
        for recording in left:
            try:
                recording.store.write(
                    [
                        RunUpdate(
                            recording.run_id,
                            {"status": "interrupted", "ended": time.time(), "message": "The program closed."},
                        )
                    ]
                )
            except RunError:
                pass


def _default_name(job: Job) -> str:
    """The data, the recipe when it is not plain supervised learning, the learning rate."""
    recipe = "" if job.recipe == "supervised" else f" · {job.recipe}"
    return f"{job.dataset.name}{recipe} · lr {job.config.lr:g}"


def _started_from(job: Job) -> dict[str, str]:
    """{"started_from": "weights" or "checkpoint"} for a run start_training began from saved weights (a
    classroom refuses to score it: those weights may have seen the hidden examples), else {}."""
    started_from = getattr(job, "started_from", None)
    return {"started_from": started_from} if started_from else {}


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _improved(best: dict[str, float], names: list[str], table: np.ndarray, finite: np.ndarray) -> dict:
    """The best of each validation score, `best` and the rows' together: the lowest loss, the highest of
    anything else."""
    best = dict(best)
    for j, name in enumerate(names):
        values = table[finite[:, j], j]
        if not name.startswith("val_") or not values.size:
            continue
        lower = name.endswith("loss")
        value = float(values.min() if lower else values.max())
        if name not in best or (value < best[name] if lower else value > best[name]):
            best[name] = value
    return best


def _test_scores(result: dict | None) -> dict[str, float]:
    """The scalar test scores of a job's result (test_loss, test_accuracy, r2, ...)."""
    return {k: float(v) for k, v in (result or {}).items() if isinstance(v, (int, float)) and _finite(v)}


_WRITER = RunWriter()


def run_writer() -> RunWriter:
    """The process's run writer."""
    return _WRITER


atexit.register(_WRITER.close)
