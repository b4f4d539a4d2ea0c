"""The callbacks a job adds to fit(): its Control (commands between steps), early stopping, and the
callbacks others subscribed to the job (`Job.add_callback`)."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import torch
from torch import nn

from dlcore.jobs.slots import NoSlot
from dlcore.training import Callback, StopTraining

if TYPE_CHECKING:
    from dlcore.jobs.job import Job


class Control(Callback):
    """Carries commands from other threads into the loop; sleeps there while the job is paused."""

    def __init__(self, job: Job):
        self.job = job

    def on_fit_start(self, logs):
        self.job._batches_this_epoch = 0
        self.job._deadline = time.monotonic() + self.job.max_seconds - self.job._recorder.elapsed_s()
        self.job._set_status("running")
        if self.job._attention:
            self.job._attend("start")

    def on_step_end(self, step, logs):
        job = self.job
        job._batches_this_epoch += 1
        if job._attention:
            job._attend("step")
        if time.monotonic() > job._deadline:
            raise StopTraining(f"stopped at the time limit of {job.max_seconds:g} s", status="stopped")
        if not job._slot.pass_turn(job._serve_while_queued):
            job._slot = NoSlot()  # stopped while waiting for its next turn
            raise StopTraining(job._stop_reason, status="stopped")

    def on_epoch_end(self, epoch, logs):
        self.job._batches_this_epoch = 0
        if self.job._attention:
            self.job._attend("epoch")


class EarlyStopping(Callback):
    """Stop when the validation loss has not improved for `patience` epochs; keep the best weights (of
    every model the recipe trains)."""

    def __init__(self, patience: int):
        self.patience = patience
        self.best = float("inf")
        self.best_epoch = 0
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_fit_start(self, logs):
        self.model = nn.ModuleDict(logs["models"])  # one state dict over every role: "generator.0.weight"

    def on_epoch_end(self, epoch, logs):
        loss = logs.get("val_loss")
        if loss is None:
            return
        if loss < self.best:
            self.best, self.best_epoch = loss, epoch
            self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        elif epoch - self.best_epoch >= self.patience:
            raise StopTraining(
                f"stopped early at epoch {epoch}: the validation loss had not improved for {self.patience} "
                f"epochs, so the weights from epoch {self.best_epoch} (the best) were kept",
                status="finished",
            )

    def on_fit_end(self, logs):
        if self.best_state is not None and logs["status"] == "finished":
            with torch.no_grad():
                for name, value in self.model.state_dict().items():
                    value.copy_(self.best_state[name])  # in place: a captured CUDA graph stays valid


class Subscribers(Callback):
    """The callbacks subscribed to a job, any time from any thread; fit() sees this one callback.

    One subscribed while training runs starts at the next event, with its on_fit_start first (given the
    run's logs as they were before that event: the step and epoch reached), so it never sees half a run
    without knowing the run.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._active: list[Callback] = []
        self._joining: list[Callback] = []
        self._logs: dict | None = None  # the running fit's logs, None between runs

    def add(self, callback: Callback) -> None:
        with self._lock:
            (self._joining if self._logs is not None else self._active).append(callback)

    def remove(self, callback: Callback) -> None:
        with self._lock:
            for group in (self._active, self._joining):
                if callback in group:
                    group.remove(callback)

    def _current(self) -> list[Callback]:
        """The active callbacks, after the joining ones were told that a run is under way."""
        if self._joining:  # read without the lock: a callback joining meanwhile waits for the next event
            with self._lock:
                joining, self._joining = self._joining, []
            for callback in joining:
                callback.on_fit_start(self._logs)
            with self._lock:
                self._active.extend(joining)
        return list(self._active)

    def on_fit_start(self, logs):
        with self._lock:
            self._logs = dict(logs)
            self._active.extend(self._joining)
            self._joining = []
        for callback in self._current():
            callback.on_fit_start(logs)

    def on_step_end(self, step, logs):
        for callback in self._current():
            callback.on_step_end(step, logs)
        self._logs.update(step=step, epoch=logs["epoch"] - 1)  # who joins next, joins after this step

    def on_epoch_end(self, epoch, logs):
        for callback in self._current():
            callback.on_epoch_end(epoch, logs)
        self._logs.update(step=logs["step"], epoch=epoch)

    def on_fit_end(self, logs):
        callbacks = self._current()
        with self._lock:
            self._logs = None
        for callback in callbacks:
            callback.on_fit_end(logs)
