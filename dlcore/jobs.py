"""Training jobs: a model training on a background thread that pages can watch, pause, step and stop.

    job = start_training(spec, ds, TrainConfig(epochs=20), owner=session_id)   # returns at once
    job.pause(); job.step(); job.step(unit="epoch"); job.resume(); job.stop(); job.wait()
    frame = job.metrics(since=cursor); cursor = frame.attrs["cursor"]

A job's thread runs fit() with two callbacks: the Recorder (metrics) and the job's Control, which
carries the page's commands into the loop between steps. The thread never touches Streamlit, and it
ends when the job ends: finished, stopped, failed, out of time, or reaped after its page went away.

The process-wide Scheduler (`scheduler()`) bounds what many students can start on one server: a few
jobs per owner, a few computing at once per device while the rest take turns, a wall-time limit, and
reaping of jobs nobody watches any more.
"""

from __future__ import annotations

import atexit
import copy
import gc
import itertools
import os
import threading
import time
import weakref
from collections import deque
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any

import pandas as pd
import torch
from torch import nn

from dlcore import health as health_checks
from dlcore.checkpoint import load_checkpoint_state, load_weights
from dlcore.device import device_name, resolve_device
from dlcore.errors import DlcoreError, SpecError, TrainError
from dlcore.inspect import HistoryRecorder, ParameterHistory
from dlcore.metrics import Recorder, classification_report
from dlcore.training import GLOBAL_RNG_LOCK, Callback, StopTraining, TrainConfig, TrainData, fit, make_recipe
from dlcore.training.objective import adapt_targets, make_objective
from dlcore.training.recipe import recipe_for

# One intra-op thread per training thread: measured faster than two for every benchmark workload on
# a 2-core machine (threads spin and contend with the other jobs and the web server), see docs.
CPU_THREADS_PER_JOB = 1
LOCAL_OWNER = "local"  # notebooks and the command line: no page sends heartbeats, so never reaped
MAX_PARAMETERS = 20_000_000  # the largest model one job may train (see Scheduler)
MAX_RESULT_EXAMPLES = 2000  # test examples whose predictions a result keeps for its figure


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
            job._slot = _NoSlot()  # stopped while waiting for its next turn
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


class Job:
    """One training run on a background thread. Create with `start_training`.

    Status: "queued" (waiting for a free slot on the device), "running", "paused", then "finished",
    "stopped" or "failed" (`error` says why, for a student). `message` says how the run ended.
    """

    _ids = itertools.count(1)

    def __init__(
        self,
        spec,
        dataset,
        config: TrainConfig,
        owner: str,
        scheduler: Scheduler,
        *,
        model: nn.Module,
        objective,
        device: torch.device,
        paused: bool = False,
        start_epoch: int = 0,
        start_step: int = 0,
    ):
        self.id = next(self._ids)
        self.spec, self.dataset, self.config, self.owner = spec, dataset, config, owner
        self.device = device.type
        self.device_name = device_name(device)
        self.max_seconds = min(config.max_seconds, scheduler.max_seconds)
        self.status = "queued"
        self.error: str | None = None
        self.message = ""
        self.result: dict | None = None
        self.last_heartbeat = time.monotonic()
        self._scheduler = scheduler
        self._device = device
        self._objective = objective
        self.recipe = recipe_for(config.recipe, dataset.task).name
        self._model = model
        self._template = copy.deepcopy(model)  # CPU skeleton for snapshots
        self._start = (start_epoch, start_step)
        self._cond = threading.Condition()
        self._requests: deque[tuple[Any, Future]] = deque()
        self._thread_owns_model = False
        self._recorder = Recorder(config.metric_interval_s)
        self._history = ParameterHistory()
        self._reset_commands(paused)
        self._deadline = float("inf")
        self._freed = False
        self._free_on_end = False
        self._data: TrainData | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._batches_this_epoch = 0

    def _reset_commands(self, paused: bool, keep_stop: bool = False) -> None:
        self._paused = paused
        if not keep_stop:
            self._stop_reason: str | None = None
        self._reset_seed: int | None = None
        self._steps_left: int | None = None
        self._epoch_step = False  # a whole epoch's batches asked for: counted when the thread reads it
        self._pause_at_epoch_end = False  # the steps asked for end an epoch: pause once it is scored
        self._attention = paused or self._stop_reason is not None  # a command waits for the thread

    def _launch(self) -> None:
        _ALL_JOBS.add(self)
        self._done.clear()
        self._thread = threading.Thread(target=self._run, name=f"dlcore-job-{self.id}", daemon=True)
        self._thread.start()

    # --- commands (any thread) ---------------------------------------------------------------------

    def pause(self) -> None:
        """Pause between steps; the model keeps its weights and the device slot is given to others."""
        with self._cond:
            if self.alive:
                self._paused, self._attention = True, True
                self._cond.notify_all()

    def resume(self) -> None:
        """Carry on training after a pause or a single step."""
        with self._cond:
            self._paused, self._steps_left, self._epoch_step = False, None, False
            self._pause_at_epoch_end = False
            self._show_running()
            self._attention = True
            self._cond.notify_all()

    def _show_running(self) -> None:
        # The status answers at once; the thread picks the command up within a step.
        if self.status == "paused":
            self.status = "running"

    def step(self, unit: str = "batch") -> None:
        """Train one batch (unit="batch") or one whole pass over the training set (unit="epoch": as many
        batches as an epoch has, from wherever training is, even in the middle of an epoch), then pause."""
        if unit not in ("batch", "epoch"):
            raise TrainError(f"step unit must be 'batch' or 'epoch', not {unit!r}", field="unit")
        with self._cond:
            if not self.alive:
                raise TrainError(
                    f"this training has {self.status}: reset it or start a new one to step again"
                )
            self._paused = False
            self._steps_left, self._epoch_step = (1, False) if unit == "batch" else (None, True)
            self._pause_at_epoch_end = False
            self._show_running()
            self._attention = True
            self._cond.notify_all()

    def stop(self, reason: str = "stopped by you") -> None:
        """End the run between steps (the final test scores are still computed)."""
        with self._cond:
            if self._stop_reason is None:
                self._stop_reason = reason
            self._attention = True
            self._cond.notify_all()

    def reset(self, seed: int | None = None) -> None:
        """Start over, paused at step 0, with fresh weights (`seed`, default the config's), no metrics."""
        seed = self.config.seed if seed is None else seed
        with self._cond:
            if self.alive:
                self._reset_seed, self._attention = seed, True
                self._cond.notify_all()
                return
        if self._freed:
            raise TrainError(
                "this training was stopped and freed because its page went away: start a new one"
            )
        self._scheduler.admit(self)
        self._fresh_start(seed)
        self._reset_commands(paused=True)
        self.status = "queued"
        self._launch()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (True) or `timeout` seconds pass (False)."""
        return self._done.wait(timeout)

    def heartbeat(self) -> None:
        """Someone is still watching; jobs without a heartbeat for the scheduler's grace period are reaped."""
        self.last_heartbeat = time.monotonic()

    def apply(self, fn, timeout: float = 30.0):
        """Run `fn(model)` on the training thread between steps (or at once if nothing trains) and return
        its result. Edit weights in place (`with torch.no_grad(): layer.weight[0, 1] = 0.5`) so a captured
        CUDA graph sees the change."""
        with self._cond:
            if self._model is None or self._freed:
                raise TrainError("this training was stopped and freed because its page went away")
            # Nothing trains, or the caller is the training thread itself (a callback): run it right here.
            if not self._thread_owns_model or threading.current_thread() is self._thread:
                return fn(self._model)
            future: Future = Future()
            self._requests.append((fn, future))
            self._attention = True
            self._cond.notify_all()
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise TrainError("the training did not answer in time; try again") from None

    def snapshot(self) -> nn.Module:
        """A consistent copy of the model on the CPU, in eval mode, that training will not change."""
        template = self._template  # read once: a reaped job drops it
        state = self.apply(
            lambda model: {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        )
        model = copy.deepcopy(template)
        model.load_state_dict(state)
        return model.eval()

    # --- reading (any thread) ----------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.status in ("queued", "running", "paused")

    @property
    def holds_place(self) -> bool:
        """Alive and not told to stop: counts towards its owner's limit."""
        return self.alive and self._stop_reason is None

    @property
    def cursor(self) -> int:
        """The position after the latest metrics row (prefer `frame.attrs["cursor"]`, which cannot race)."""
        return self._recorder.steps.cursor

    def metrics(self, since: int | None = None) -> pd.DataFrame:
        """Per-step rows: step, epoch, train_loss, lr, samples_per_s, elapsed_s, count (steps a row averages),
        plus the latest epoch scores at that step (val_loss, train/val accuracy or R²). `since` = a cursor
        from `frame.attrs["cursor"]` gives only newer rows."""
        steps, cursor = self._recorder.steps.since(since)
        epochs, _ = self._recorder.epochs.since(None)
        scores = epochs.drop(columns=["epoch", "train_loss", "lr", "elapsed_s", "count"]).dropna(
            axis=1, how="all"
        )
        if len(steps) and len(scores):
            steps = pd.merge_asof(steps, scores, on="step", direction="backward")
        for column in ("val_loss", "train_accuracy", "val_accuracy"):
            if column not in steps:
                steps[column] = float("nan")
        steps.attrs["cursor"] = cursor
        return steps

    def epoch_metrics(self) -> pd.DataFrame:
        """One row per scored epoch: step, epoch, train/val loss, accuracy or R², lr, elapsed_s."""
        frame, _ = self._recorder.epochs.since(None)
        return frame.drop(columns="count").dropna(axis=1, how="all")

    def grad_norms(self) -> pd.DataFrame:
        """Sampled per-layer gradient and weight norms: step, layer, grad_norm, weight_norm."""
        return self._recorder.grad_norms()

    def parameter_history(self) -> ParameterHistory:
        """Each layer's weight and gradient distributions (and dead units) over training, from step 0."""
        return self._history

    def health(self) -> list[dict]:
        """Plain-language warnings about this run: list of dict(kind, severity, message, fix)."""
        return health_checks.diagnose(
            self.metrics(),
            self.epoch_metrics(),
            self.grad_norms(),
            self._recorder.dead_relus,
            self.config,
            error=self.error if self.status == "failed" else None,
            num_classes=(self._objective.num_classes or 2) if self._objective.scores_classes else None,
        )

    def progress(self) -> dict:
        """epoch, epochs, step, fraction, samples_per_s, eta_s, elapsed_s (eta None when unknown), and
        sharing_with: how many other runs this one takes turns with on its device (0 when it need not)."""
        rec = self._recorder
        per_epoch = rec.steps_per_epoch
        epochs = self.config.epochs
        total = epochs * per_epoch if epochs and per_epoch else None
        fraction = min(1.0, rec.step / total) if total else None
        if self.status == "finished":
            fraction = 1.0
        eta = None
        steps_per_s = rec.samples_per_s / max(1, min(self.config.batch_size, self._train_size()))
        if total and steps_per_s > 0 and self.alive:
            eta = (total - rec.step) / steps_per_s
        return {
            "epoch": rec.epoch,
            "epochs": epochs,
            "step": rec.step,
            "fraction": fraction,
            "samples_per_s": rec.samples_per_s,
            "eta_s": eta,
            "elapsed_s": rec.elapsed_s(),
            "sharing_with": self._scheduler.sharing_with(self),
        }

    def _train_size(self) -> int:
        return len(self.dataset.train[0])

    def __repr__(self) -> str:
        return f"Job({self.id}, {self.status}, owner={self.owner!r}, device={self.device!r})"

    # --- the training thread -----------------------------------------------------------------------

    def _set_status(self, status: str) -> None:
        with self._cond:
            if self.alive:
                self.status = status
            self._cond.notify_all()

    def _attend(self, moment: str) -> None:
        """Between steps, on the training thread: do what was asked (requests, stop, reset, pause).

        `moment` is "start" (before the first step: a step asked for is still to come), "step" (a batch
        was just trained) or "epoch" (an epoch just ended).
        """
        with self._cond:
            self._serve_requests()
            if self._steps_left is not None and moment == "step":
                self._steps_left -= 1
                if self._steps_left <= 0:
                    # The last batch of an epoch: pause after the epoch's scores, so they show at once.
                    self._steps_left = None
                    if self._batches_this_epoch == self._recorder.steps_per_epoch:
                        self._pause_at_epoch_end = True
                    else:
                        self._paused = True
            if moment == "epoch" and self._pause_at_epoch_end:
                self._pause_at_epoch_end, self._paused = False, True
            if self._paused and self._stop_reason is None and self._reset_seed is None:
                self._wait_while_paused()
            self._serve_requests()
            if self._stop_reason is not None:
                raise StopTraining(self._stop_reason, status="stopped")
            if self._reset_seed is not None:
                raise StopTraining("reset", status="reset")
            if self._epoch_step:  # fit has started by now: the recorder knows how many batches an epoch has
                self._steps_left, self._epoch_step = self._recorder.steps_per_epoch, False
            self._attention = self._paused or self._steps_left is not None or self._pause_at_epoch_end
            self.status = "running"

    def _wait_while_paused(self) -> None:
        # Called holding self._cond. The device slot goes to other jobs while this one sleeps.
        self._recorder.flush()
        self._recorder.pause_clock(True)
        paused_at = time.monotonic()
        self.status = "paused"
        self._cond.notify_all()
        self._slot.release()
        while self._paused and self._stop_reason is None and self._reset_seed is None:
            self._cond.wait(timeout=0.5)
            self._serve_requests()
        self.status = "queued"
        self._cond.release()
        try:
            acquired = self._slot.acquire(self._serve_while_queued)
        finally:
            self._cond.acquire()
        if not acquired:
            self._slot = _NoSlot()
        self._deadline += time.monotonic() - paused_at
        self._recorder.pause_clock(False)

    def _serve_while_queued(self) -> bool:
        # Between tries for a device slot: snapshots and edits still answer (nothing trains meanwhile).
        # Returns whether to give up waiting (the job was stopped).
        with self._cond:
            self._serve_requests()
            return self._stop_reason is not None

    def _serve_requests(self) -> None:
        while self._requests:
            fn, future = self._requests.popleft()
            try:
                future.set_result(fn(self._model))
            except Exception as err:  # the caller sees its own error
                future.set_exception(err)

    def _run(self) -> None:
        if self._device.type == "cpu":
            torch.set_num_threads(CPU_THREADS_PER_JOB)
        self._slot = self._scheduler.slot(self._device.type)
        error = None
        try:
            self._train_until_done()
        except torch.cuda.OutOfMemoryError:
            error = self._explain_oom()
        except RuntimeError as err:  # MPS and some CUDA paths report running out of memory this way
            error = self._explain_oom() if "out of memory" in str(err) else _unexpected(err)
        except DlcoreError as err:
            error = err.message
        except Exception as err:  # any other failure becomes a message, never a hung job
            error = _unexpected(err)
        # Outside the except blocks: the traceback (and the tensors its frames hold) is gone by now.
        try:
            if error is not None:
                self._release_device()
                self._end("failed", None, error)
        finally:
            self._finish_thread()

    def _train_until_done(self) -> None:
        if not self._slot.acquire(lambda: self._stop_reason is not None):
            self._slot = _NoSlot()
            self._end("stopped", self._stop_reason, None)
            return
        logs = self._train_once()
        while logs["status"] == "reset":
            self._release_device()
            self._fresh_start(self._reset_seed)
            with self._cond:
                self._reset_commands(paused=True, keep_stop=True)  # a stop sent meanwhile still stops
            logs = self._train_once()
        if logs["status"] == "failed":
            self._end("failed", None, self._explain_divergence(logs))
        else:
            self._end(logs["status"], logs["reason"], None, evaluate=True)

    def _train_once(self) -> dict:
        cfg, device = self.config, self._device
        self._model.to(device)
        recipe = make_recipe(self.recipe, {"model": self._model}, self.dataset, cfg, device)
        data = recipe.data
        self._data = data
        generator = torch.Generator(device=device).manual_seed(cfg.seed)
        # The history before Control: a step trained by "Step 1 batch" is recorded before the job pauses.
        history = HistoryRecorder(self._history, clock=self._recorder.elapsed_s)
        callbacks: list[Callback] = [self._recorder, history, Control(self)]
        if cfg.early_stopping_patience:
            callbacks.append(EarlyStopping(cfg.early_stopping_patience))
        with self._cond:
            self._thread_owns_model = True
        start_epoch, start_step = self._start
        return fit(
            recipe,
            data,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            callbacks=callbacks,
            generator=generator,
            start_epoch=start_epoch,
            start_step=start_step,
            score_every_s=0.0 if cfg.early_stopping_patience else 0.05,
        )

    def _end(self, status: str, reason: str | None, error: str | None, evaluate: bool = False) -> None:
        if evaluate:
            self.result = self._evaluate_test()
        with self._cond:
            self.error = error
            self.message = error or _ending_message(status, reason, self._recorder)
            self.status = status

    def _evaluate_test(self) -> dict | None:
        """test_loss and test_accuracy, per-class scores and confusion matrix (or r2, with the test targets
        and predictions as arrays) on the test split."""
        objective = self._objective
        x, y = self._data.test
        if len(x) == 0:
            return None
        out = objective.outputs(self._model, x)
        scores = objective.scores(out, y)
        if not objective.scores_classes:  # the values too, to draw predictions against targets
            keep = slice(0, MAX_RESULT_EXAMPLES)
            return {
                "test_loss": scores["loss"],
                "r2": scores["r2"],
                "targets": y[keep].reshape(out[keep].shape).cpu().numpy(),
                "predictions": out[keep].cpu().numpy(),
            }
        k = objective.num_classes or 2
        names = list(getattr(self.dataset, "class_names", None) or [str(i) for i in range(k)])
        return {
            "test_loss": scores["loss"],
            **classification_report(objective.predict(out), objective.labels(y), names),
        }

    def _explain_divergence(self, logs: dict) -> str:
        step = getattr(self._recorder, "diverged_at", logs.get("step"))
        cfg = self.config
        return (
            f"The loss became NaN/Inf (not a number) at step {step}, so training stopped. The most likely "
            f"cause is a learning rate too high for {cfg.optimizer}: lr={cfg.lr:g} made the weights jump "
            f"so far that the numbers overflowed. Try a learning rate 10× smaller (lr={cfg.lr / 10:g}), "
            "or add normalisation layers (BatchNorm/LayerNorm) so activations stay in range."
        )

    def _explain_oom(self) -> str:
        cfg = self.config
        return (
            f"The GPU ran out of memory (batch size {cfg.batch_size}). The memory has been freed. Shrink "
            f"what must fit at once: a smaller batch size (try {max(1, cfg.batch_size // 4)}), fewer "
            "channels or units per layer, fewer layers, or smaller inputs."
        )

    def _release_device(self) -> None:
        # What lives on the accelerator goes: the data copy and (with fit's locals) graph and optimizer.
        self._data = None
        if self._model is not None and self._device.type != "cpu":
            self._model.to("cpu")
        if self._device.type == "cuda":
            gc.collect()
            torch.cuda.empty_cache()

    def _finish_thread(self) -> None:
        try:
            self._release_device()
            self._slot.release()
        finally:
            with self._cond:
                self._thread_owns_model = False
                self._serve_requests()
                self._cond.notify_all()
            if self._free_on_end:
                self._free()
            self._scheduler.job_ended(self)
            self._done.set()

    def _fresh_start(self, seed: int) -> None:
        self._model = _seeded_build(self.spec, seed)
        self._template = copy.deepcopy(self._model)
        self._recorder = Recorder(self.config.metric_interval_s)
        self._history = ParameterHistory()
        self._start = (0, 0)
        self.result, self.error, self.message = None, None, ""

    def _free(self) -> None:
        """Drop the model and data (reaped jobs): nobody is watching any more."""
        with self._cond:
            self._model = None
            self._template = None
            self._freed = True


def _unexpected(err: Exception) -> str:
    return f"training failed unexpectedly ({type(err).__name__}: {err}); please report this with your model"


def _ending_message(status: str, reason: str | None, recorder: Recorder) -> str:
    if status == "finished" and reason not in (None, "finished"):
        return reason[0].upper() + reason[1:] + "."
    if status == "finished":
        return f"Finished {recorder.epoch} epochs ({recorder.step} steps)."
    return f"Stopped at step {recorder.step}: {reason}."


def _seeded_build(spec, seed: int) -> nn.Module:
    import dlcore

    with GLOBAL_RNG_LOCK:
        torch.manual_seed(seed)
        return dlcore.build_model(spec)


# --- the scheduler ----------------------------------------------------------------------------------------


class _Slots:
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


class _NoSlot:
    def release(self) -> None: ...

    def acquire(self, cancelled) -> bool:
        return True

    def pass_turn(self, cancelled) -> bool:
        return True


def _default_device_caps() -> dict[str, int]:
    return {"cpu": max(2, os.cpu_count() or 2), "cuda": 4, "mps": 2}


class Scheduler:
    """Server-wide limits for training jobs.

    max_per_owner: jobs one owner (a browser session) may have alive at once (2: the A/B pairs of the 2-D
    playground). max_per_device: jobs computing at once per device type; more take turns of turn_s seconds
    each, first come first served (see _Slots).
    max_seconds: wall-time limit per job (pauses not counted). max_parameters: the largest model one job
    may train (weights and optimizer state must fit beside everyone else's). heartbeat_grace_s: a job
    whose owner sent no heartbeat for this long is stopped and freed (owner "local" is exempt). One
    reaper thread runs while any job is alive.
    """

    def __init__(
        self,
        max_per_owner: int = 2,
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
        self._slots: dict[str, _Slots] = {}
        self._reaper: threading.Thread | None = None

    def slot(self, device_type: str) -> _Slots:
        with self._lock:
            if device_type not in self._slots:
                size = self.max_per_device.get(device_type, 2)
                self._slots[device_type] = _Slots(size, self.turn_s)
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


_SCHEDULER = Scheduler()
_ALL_JOBS: weakref.WeakSet[Job] = weakref.WeakSet()
_EXITING = threading.Event()


@atexit.register
def _stop_all_jobs() -> None:
    # Torch code still running in a daemon thread while the interpreter shuts down can abort the process.
    _EXITING.set()
    jobs = [job for job in list(_ALL_JOBS) if job.alive]
    for job in jobs:
        job.stop("the program is closing")
    for job in jobs:
        job.wait(5)
    for thread in threading.enumerate():
        if thread.name == "dlcore-reaper":
            thread.join(5)


def scheduler() -> Scheduler:
    """The process-wide scheduler every job goes through."""
    return _SCHEDULER


# --- starting a job ---------------------------------------------------------------------------------------


def start_training(
    spec,
    ds,
    cfg: TrainConfig | None = None,
    owner: str = LOCAL_OWNER,
    *,
    paused: bool = False,
    resume_from=None,
    scheduler: Scheduler | None = None,
) -> Job:
    """Check everything, then start training `spec` on dataset `ds` in the background; return the Job.

    Raises (before any thread starts) TrainError for a bad config or a full owner quota, and SpecError
    with advice when the model's output does not fit the loss and the dataset's targets.
    `paused=True` starts paused at step 0 (for stepping from the very first batch). `resume_from`: a
    checkpoint (path, file or bytes from `checkpoint_bytes`) whose weights and step count to continue.
    """
    sched = scheduler if scheduler is not None else _SCHEDULER
    saved = load_checkpoint_state(resume_from) if resume_from is not None else None
    job = _prepare(spec, ds, cfg, owner, sched, paused=paused, saved=saved)
    sched.admit(job)
    job._launch()
    return job


def loaded_job(checkpoint, ds, cfg: TrainConfig | None = None, owner: str = LOCAL_OWNER) -> Job:
    """A Job holding a saved model, as a run stopped where the checkpoint was saved; nothing trains.

    The Inspect and Explain pages can look at it at once; `start_training(spec, ds, cfg,
    resume_from=checkpoint)` trains it further. Raises like start_training when it does not fit `ds`.
    """
    saved = load_checkpoint_state(checkpoint)
    job = _prepare(saved[0], ds, cfg, owner, _SCHEDULER, paused=False, saved=saved)
    job._recorder.epoch, job._recorder.step = job._start
    job.status, job.message = "stopped", "loaded from a file: nothing has trained in this tab yet"
    job._done.set()
    return job


def _prepare(spec, ds, cfg, owner, sched: Scheduler, *, paused: bool, saved) -> Job:
    """Every check before a run, and the Job with its model; `saved`: (spec, weights, metadata) from
    load_checkpoint_state to continue from, or None."""
    import dlcore

    cfg = replace(cfg or TrainConfig())
    cfg.validate()
    device = resolve_device(cfg.device)
    num_classes = ds.num_classes or getattr(ds, "vocab_size", None)
    kind = recipe_for(cfg.recipe, ds.task)
    kind.check({"model": spec}, ds, cfg, kind.options(cfg.recipe_options))
    model = _seeded_build(spec, cfg.seed)
    size = sum(p.numel() for p in model.parameters())
    if size > sched.max_parameters:
        raise TrainError(
            f"this model has {size:,} weights, more than the {sched.max_parameters:,} one training may use "
            "here: use fewer units or channels, or fewer layers",
            field="model",
        )
    start_epoch = start_step = 0
    if saved is not None:
        saved_spec, state, meta = saved
        if saved_spec != spec:
            raise TrainError(
                "this checkpoint was saved from a different architecture: load its spec first",
                field="resume_from",
            )
        load_weights(model, state)
        start_epoch, start_step = meta.get("epoch", 0), meta.get("step", 0)
    objective = make_objective(
        cfg.loss,
        ds.task,
        num_classes,
        dlcore.output_shape(spec),
        l1=cfg.l1,
        loss_options=cfg.loss_options,
    )
    _dry_run(model, objective, ds, cfg.loss)
    return Job(
        spec,
        ds,
        cfg,
        owner,
        sched,
        model=model,
        objective=objective,
        device=device,
        paused=paused,
        start_epoch=start_epoch,
        start_step=start_step,
    )


def _dry_run(model: nn.Module, objective, ds, loss: str) -> None:
    """Two examples through the model and the loss on the CPU, so a mismatch is reported before training."""
    x, y = ds.train
    if len(x) == 0:
        raise TrainError("the training split is empty: there is nothing to learn from", field="dataset")
    model.eval()
    try:
        with torch.no_grad():
            objective.loss(model(x[:2]), adapt_targets(objective, y[:2], x[:2]))
    except RuntimeError as err:
        raise SpecError(
            f"the model's output does not fit the {loss} loss on this dataset ({err}). Check the "
            "last layer's "
            "output size against the number of classes or target values",
            field="loss",
        ) from err
    finally:
        model.train()
