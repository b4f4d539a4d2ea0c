"""Job: one training run on a background thread that pages can watch, pause, step and stop.

A job trains a recipe's models by role (one "model" for supervised learning; a generator and a
discriminator for a GAN, ...). The thread runs fit() with the Recorder (metrics), the inspection history,
the callbacks others subscribed with `add_callback`, and the job's Control, which carries the page's
commands into the loop between steps. The thread never touches Streamlit, and it
ends when the job ends: finished, stopped, failed, out of time, or reaped after its page went away.
"""

from __future__ import annotations

import copy
import gc
import itertools
import threading
import time
from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pandas as pd
import torch
from torch import nn

from dlcore import health as health_checks
from dlcore.build import build_model
from dlcore.device import device_name
from dlcore.errors import DlcoreError, TrainError
from dlcore.inspect import HistoryRecorder, ParameterHistory
from dlcore.jobs.callbacks import Control, EarlyStopping, Subscribers
from dlcore.jobs.pool import ALL_JOBS, JobPool
from dlcore.jobs.rewind import Rewind
from dlcore.jobs.slots import NoSlot
from dlcore.metrics import Recorder, classification_report
from dlcore.training import (
    GLOBAL_RNG_LOCK,
    RECIPES,
    Callback,
    Recipe,
    RecipeSpec,
    StopTraining,
    TrainConfig,
    TrainData,
    fit,
    make_recipe,
)
from dlcore.transfer import WeightTransfer, load_matching_weights

# One intra-op thread per training thread: measured faster than two for every benchmark workload on
# a 2-core machine (threads spin and contend with the other jobs and the web server), see docs.
CPU_THREADS_PER_JOB = 1
MAX_RESULT_EXAMPLES = 2000  # test examples whose predictions a result keeps for its figure


class Job:
    """One training run on a background thread. Create with `start_training`.

    Status: "queued" (waiting for a free slot on the device), "running", "paused", then "finished",
    "stopped" or "failed" (`error` says why, for a student). `message` says how the run ended.

    setup: the RecipeSpec it trains (recipe name, a model spec per role, the recipe's options); `recipe`
    is its name, `roles` its roles, `spec` the main role's spec. `rewind` keeps copies of the main model
    at moments of the run, the first being the weights it started from (`snapshot(step=...)` rebuilds one).
    """

    _ids = itertools.count(1)

    def __init__(
        self,
        setup: RecipeSpec,
        dataset,
        config: TrainConfig,
        owner: str,
        pool: JobPool,
        *,
        models: dict[str, nn.Module],
        recipe: Recipe,
        device: torch.device,
        paused: bool = False,
        start_epoch: int = 0,
        start_step: int = 0,
        start_weights: Mapping[str, torch.Tensor] | None = None,
        transfer: WeightTransfer | None = None,
    ):
        self.id = next(self._ids)
        self.setup, self.dataset, self.config, self.owner = setup, dataset, config, owner
        self.recipe = setup.recipe
        self.main_role = recipe.main_role
        self.spec = setup.models[self.main_role]
        self.device = device.type
        self.device_name = device_name(device)
        self.max_seconds = min(config.max_seconds, pool.max_seconds)
        self.status = "queued"
        self.error: str | None = None
        self.message = ""
        self.result: dict | None = None
        self.run_id: int | None = None  # its run in the run store (dlcore.runs), once it is kept there
        # A run started from a saved model's weights (transfer learning): which layers took them; a reset
        # starts from them again.
        self.transfer = transfer
        self._start_weights = start_weights
        self.last_heartbeat = time.monotonic()
        self._pool = pool
        self._device = device
        # The supervised recipe's objective scores test results per class; other recipes report their own.
        self._objective = getattr(recipe, "objective", None)
        self._recipe: Recipe | None = recipe  # the one training now; built on the CPU until the thread starts
        self._models: dict[str, nn.Module] | None = models
        self._templates = _skeletons(models)
        self._subscribers = Subscribers()
        self._start = (start_epoch, start_step)
        self._cond = threading.Condition()
        self._requests: deque[tuple[Any, Future]] = deque()
        self._thread_owns_model = False
        self._recorder = Recorder(config.metric_interval_s)
        self._history = ParameterHistory()
        self.rewind = Rewind(models[self.main_role])
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
        ALL_JOBS.add(self)
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
        """Start over, paused at step 0, with fresh weights (`seed`, default the config's; a run started
        from a saved model's weights starts from them again), no metrics."""
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
        self._pool.admit(self)
        self._fresh_start(seed)
        self._reset_commands(paused=True)
        self.status = "queued"
        self._launch()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (True) or `timeout` seconds pass (False)."""
        return self._done.wait(timeout)

    def heartbeat(self) -> None:
        """Someone is still watching; jobs without a heartbeat for the job pool's grace period are reaped."""
        self.last_heartbeat = time.monotonic()

    def add_callback(self, callback: Callback) -> None:
        """Subscribe `callback` to this job's training events, at any time: while it trains it starts at
        the next step (its on_fit_start first, with the run's current logs); it stays subscribed across a
        reset. Watchers subscribe instead of polling the model through `apply`."""
        self._subscribers.add(callback)

    def remove_callback(self, callback: Callback) -> None:
        """Stop sending events to `callback` (from the next step on)."""
        self._subscribers.remove(callback)

    def apply(self, fn, timeout: float = 30.0, role: str | None = None):
        """Run `fn(model)` on the training thread between steps (or at once if nothing trains) and return
        its result; `model` is the model of `role` (default: the recipe's main one). Edit weights in place
        (`with torch.no_grad(): layer.weight[0, 1] = 0.5`) so a captured CUDA graph sees the change."""
        role = self._role(role)
        return self._on_thread(lambda: fn(self._models[role]), timeout)

    def sample(self, n: int, timeout: float = 30.0) -> torch.Tensor:
        """`n` new examples from a generative recipe (GAN, VAE, diffusion), in the data's normalised
        space, on the CPU; made on the training thread between steps. TrainError for other recipes."""

        def draw() -> torch.Tensor:
            recipe = self._recipe
            if recipe is None:  # nothing on the device: a recipe over the models as they are, on the CPU
                recipe = make_recipe(
                    self.recipe, self._models, self.dataset, self.config, torch.device("cpu")
                )
            modes = {role: model.training for role, model in self._models.items()}
            try:
                with torch.no_grad():
                    return recipe.sample(n).cpu()
            finally:
                for role, model in self._models.items():
                    model.train(modes[role])

        return self._on_thread(draw, timeout)

    def _role(self, role: str | None) -> str:
        if role is None:
            return self.main_role
        if role not in self.setup.models:
            roles = " and ".join(f"'{r}'" for r in self.setup.models)
            raise TrainError(f"this training has models for {roles}, not for '{role}'", field="role")
        return role

    def _on_thread(self, call, timeout: float):
        """call() on the training thread between steps, or right here when nothing trains."""
        with self._cond:
            if self._models is None or self._freed:
                raise TrainError("this training was stopped and freed because its page went away")
            # Nothing trains, or the caller is the training thread itself (a callback): run it right here.
            if not self._thread_owns_model or threading.current_thread() is self._thread:
                return call()
            future: Future = Future()
            self._requests.append((call, future))
            self._attention = True
            self._cond.notify_all()
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise TrainError("the training did not answer in time; try again") from None

    def snapshot(self, role: str | None = None, step: int | None = None) -> nn.Module:
        """A consistent copy of the model of `role` (default: the recipe's main one) on the CPU, in eval
        mode, that training will not change. `step`: the main model as it was at that step, one of those
        `rewind` kept (`rewind.steps()`)."""
        role = self._role(role)
        templates = self._templates  # read once: a reaped job drops them
        if templates is None:
            raise TrainError("this training was stopped and freed because its page went away")
        if step is not None:
            state = self._kept_state(role, step)
        else:
            state = self.apply(
                lambda model: {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()},
                role=role,
            )
        model = copy.deepcopy(templates[role])
        model.load_state_dict(state)
        return model.eval()

    def _kept_state(self, role: str, step: int) -> dict[str, torch.Tensor]:
        if role != self.main_role:
            raise TrainError(f"only the {self.main_role}'s past is kept, not the {role}'s", field="role")
        try:
            return self.rewind.state_at(step)
        except KeyError:
            raise TrainError(
                f"step {step} of this training was not kept; kept steps: {self.rewind.steps()}", field="step"
            ) from None

    def snapshots(self) -> dict[str, nn.Module]:
        """A snapshot of every model, by role (with `setup`, what a checkpoint of the run saves)."""
        return {role: self.snapshot(role) for role in self.roles}

    @property
    def objective(self):
        """The supervised recipe's Objective (its loss, how targets are laid out for it), else None."""
        return self._objective

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles of the models this job trains ("model"; "generator", "discriminator"; ...)."""
        return tuple(self.setup.models)

    # --- reading (any thread) ----------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.status in ("queued", "running", "paused")

    @property
    def diverged(self) -> bool:
        """Failed because a loss became NaN/Inf (its `error` says where and what to try); False for any
        other ending, a failure of another kind included."""
        return self.status == "failed" and getattr(self._recorder, "diverged_at", None) is not None

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
        train_<name> for every other value the recipe logs (train_generator_loss, ...), plus the latest
        epoch scores at that step (val_loss, train/val accuracy or R², val_<score> of the recipe). `since` =
        a cursor from `frame.attrs["cursor"]` gives only newer rows."""
        steps, cursor = self._recorder.steps.since(since)
        epochs, _ = self._recorder.epochs.since(None)
        # What the step rows hold already (the training losses, lr, where and when) comes from them.
        scores = epochs.drop(columns=[c for c in epochs.columns if c in steps.columns and c != "step"])
        scores = scores.dropna(axis=1, how="all")
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
            num_classes=(self._objective.num_classes or 2) if self._classifies() else None,
            loss_falls=RECIPES.get(self.recipe).loss_falls,
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
            "sharing_with": self._pool.sharing_with(self),
        }

    def _classifies(self) -> bool:
        return self._objective is not None and self._objective.scores_classes

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
            self._slot = NoSlot()
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
            call, future = self._requests.popleft()
            try:
                future.set_result(call())
            except Exception as err:  # the caller sees its own error
                future.set_exception(err)

    def _run(self) -> None:
        if self._device.type == "cpu":
            torch.set_num_threads(CPU_THREADS_PER_JOB)
        self._slot = self._pool.slot(self._device.type)
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
            self._slot = NoSlot()
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
        for model in self._models.values():
            model.to(device)
        recipe = make_recipe(self.recipe, self._models, self.dataset, cfg, device)
        data = recipe.data
        self._recipe, self._data = recipe, data
        generator = torch.Generator(device=device).manual_seed(cfg.seed)
        # The history and subscribers before Control: a step trained by "Step 1 batch" reaches them before
        # the job pauses. Rewind after it: its first moment is the weights training really starts from,
        # after whatever was loaded into a job started paused (the playground continuing a network).
        history = HistoryRecorder(self._history, clock=self._recorder.elapsed_s)
        callbacks: list[Callback] = [self._recorder, history, self._subscribers, Control(self), self.rewind]
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
        if objective is None:  # the recipe's own scores: test_loss, test_<score>
            return {f"test_{key}": value for key, value in self._recipe.evaluate(x, y).items()}
        out = objective.outputs(self._recipe.model, x)  # the whole network (an autoencoder: both halves)
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
        if self.roles != ("model",):  # a recipe's own roles (a denoiser, a generator): name the one
            return self._explain_role_divergence(step)
        return (
            f"The loss became NaN/Inf (not a number) at step {step}, so training stopped. The most likely "
            f"cause is a learning rate too high for {cfg.optimizer}: lr={cfg.lr:g} made the weights jump "
            f"so far that the numbers overflowed. Try a learning rate 10× smaller (lr={cfg.lr / 10:g}), "
            "or add normalisation layers (BatchNorm/LayerNorm) so activations stay in range."
        )

    def _explain_role_divergence(self, step: int) -> str:
        """Which role's value became NaN/Inf, and that role's own learning rate to lower."""
        name = getattr(self._recorder, "diverged_name", "loss")
        role = self._recipe.role_of(name)
        lr = float(self._recipe.optimizers[role].param_groups[0]["lr"])
        return (
            f"The {name.replace('_', ' ')} became NaN/Inf (not a number) at step {step}: the {role} "
            f"diverged, so training stopped. The most likely cause is the {role}'s learning rate, too high "
            f"for {self.config.optimizer}: lr={lr:g}. Try the {role}'s learning rate 10× smaller "
            f"(lr={lr / 10:g}), or add normalisation layers (BatchNorm/LayerNorm) to the {role}."
        )

    def _explain_oom(self) -> str:
        cfg = self.config
        return (
            f"The GPU ran out of memory (batch size {cfg.batch_size}). The memory has been freed. Shrink "
            f"what must fit at once: a smaller batch size (try {max(1, cfg.batch_size // 4)}), fewer "
            "channels or units per layer, fewer layers, or smaller inputs."
        )

    def _release_device(self) -> None:
        # What lives on the accelerator goes: the data copy, the recipe's optimizers and (with fit's locals)
        # the graph.
        self._data, self._recipe = None, None
        if self._models is not None and self._device.type != "cpu":
            for model in self._models.values():
                model.to("cpu")
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
            self._pool.job_ended(self)
            self._done.set()

    def _fresh_start(self, seed: int) -> None:
        self._models = seeded_build(self.setup.models, seed)
        if self._start_weights is not None:
            load_matching_weights(all_weights(self._models), self._start_weights)
        self._templates = _skeletons(self._models)
        self._recipe = None
        self._recorder = Recorder(self.config.metric_interval_s)
        self._history = ParameterHistory()
        self.rewind = Rewind(self._models[self.main_role])
        self._start = (0, 0)
        self.result, self.error, self.message = None, None, ""

    def _free(self) -> None:
        """Drop the model and data (reaped jobs): nobody is watching any more."""
        with self._cond:
            self._models, self._templates, self._recipe = None, None, None
            self.rewind.forget()
            self._freed = True


def _unexpected(err: Exception) -> str:
    return f"training failed unexpectedly ({type(err).__name__}: {err}); please report this with your model"


def _ending_message(status: str, reason: str | None, recorder: Recorder) -> str:
    if status == "finished" and reason not in (None, "finished"):
        return reason[0].upper() + reason[1:] + "."
    if status == "finished":
        return f"Finished {recorder.epoch} epochs ({recorder.step} steps)."
    return f"Stopped at step {recorder.step}: {reason}."


def _skeletons(models: dict[str, nn.Module]) -> dict[str, nn.Module]:
    """CPU copies of the models, skeletons that snapshots load a consistent state into."""
    return {role: copy.deepcopy(model) for role, model in models.items()}


def all_weights(models: dict[str, nn.Module]) -> nn.Module:
    """The models as one module for a state dict: one model as it is, several under their role
    ("generator.0.weight")."""
    return next(iter(models.values())) if len(models) == 1 else nn.ModuleDict(models)


def seeded_build(specs: dict[str, Any], seed: int) -> dict[str, nn.Module]:
    """A model per role from its spec, the first weights drawn from `seed` (the same seed, the same nets)."""
    with GLOBAL_RNG_LOCK:
        torch.manual_seed(seed)
        return {role: build_model(spec) for role, spec in specs.items()}
