"""The callbacks a job adds to fit(): its Control (commands between steps) and early stopping."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import torch

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
    """Stop when the validation loss has not improved for `patience` epochs; keep the best weights."""

    def __init__(self, patience: int):
        self.patience = patience
        self.best = float("inf")
        self.best_epoch = 0
        self.best_state: dict[str, torch.Tensor] | None = None

    def on_fit_start(self, logs):
        self.model = logs["model"]

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
