"""TrainConfig and fit(): the one training loop. It emits events to callbacks; it never prints or draws.

    cfg = TrainConfig(loss="cross_entropy", optimizer="adam", lr=1e-3, epochs=10)
    fit(model, data, objective, optimizer, epochs=10, batch_size=64, callbacks=[recorder, control])

Events: `on_fit_start(logs)`, `on_step_end(step, logs)`, `on_epoch_end(epoch, logs)`, `on_fit_end(logs)`.
A callback stops training by raising `StopTraining` (checked between steps). The per-step `logs` hold the
loss as a device tensor: reading it as a number forces the host to wait for the device, so only the
metrics recorder does that, a few times a second.

Fast path: the dataset lives on the training device, batches are index tensors into it, and on CUDA the
whole step (forward, backward, optimizer) is captured once in a CUDA graph and replayed.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch
from torch import nn

from dlcore.errors import SpecError, TrainError, excerpt
from dlcore.optim import LEARNING_RATE, LOSSES, OPTIMIZERS, REGULARISERS, SCHEDULES, WEIGHT_DECAY, make_loss
from dlcore.params import Param, ParamValueError, coerce_all


def _warm_up_optimizers() -> None:
    # The first optimizer step imports torch._dynamo and sympy (~1 s, far longer inside a busy thread).
    # Paying it once here keeps the first metric of every job within a second of pressing Train.
    param = nn.Parameter(torch.zeros(1))
    param.grad = torch.zeros(1)
    torch.optim.Adam([param]).step()


_warm_up_optimizers()

# Model construction draws initial weights from torch's global generator, which every thread shares; the
# lock keeps two jobs started at once from interleaving their draws, so a seed always gives the same net.
GLOBAL_RNG_LOCK = threading.Lock()

TRAIN_PARAMS: tuple[Param, ...] = (
    Param(
        "loss",
        "str",
        "cross_entropy",
        "What the network is punished for: how far its output is from the target.",
    ),
    Param("optimizer", "str", "adam", "How the weights move against the gradient at each step."),
    LEARNING_RATE,
    Param(
        "batch_size",
        "int",
        64,
        "Examples per step: bigger is smoother and faster per example, but fewer steps.",
        min=1,
        max=65536,
    ),
    Param(
        "epochs",
        "int",
        10,
        "Passes over the training set (empty: train until stopped).",
        min=1,
        max=100_000,
        optional=True,
    ),
    WEIGHT_DECAY,
    Param(
        "l1",
        "float",
        0.0,
        "L1 penalty: pushes weights to exactly zero, leaving a sparse network.",
        min=0.0,
        max=1.0,
    ),
    Param("schedule", "str", "constant", "How the learning rate changes during training."),
    Param(
        "device",
        "choice",
        "auto",
        "Where to train: 'auto' takes a GPU when there is one.",
        choices=("auto", "cpu", "cuda", "mps"),
    ),
    Param(
        "seed",
        "int",
        0,
        "Same seed, same starting weights and batch order: a run you can repeat.",
        min=0,
        max=2**31 - 1,
    ),
    Param(
        "early_stopping_patience",
        "int",
        None,
        "Stop when the validation loss has not improved for this many epochs (empty: never).",
        min=1,
        max=10_000,
        optional=True,
    ),
    Param(
        "max_seconds",
        "float",
        600.0,
        "Wall-time limit for the job, pauses not counted.",
        min=1.0,
        max=86_400.0,
    ),
    Param(
        "metric_interval_s", "float", 0.1, "How often the live charts get new numbers.", min=0.01, max=10.0
    ),
)


@dataclass
class TrainConfig:
    """Hyperparameters of one training run; plain data that round-trips through a dict (and JSON).

    `optimizer_options` / `schedule_options` / `loss_options` pass the extra settings the optimisation
    catalogues describe (e.g. `{"momentum": 0.9}`).
    """

    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 64
    epochs: int | None = 10
    weight_decay: float = 0.0
    l1: float = 0.0
    schedule: str = "constant"
    device: str = "auto"
    seed: int = 0
    early_stopping_patience: int | None = None
    max_seconds: float = 600.0
    metric_interval_s: float = 0.1
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    schedule_options: dict[str, Any] = field(default_factory=dict)
    loss_options: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def params() -> tuple[Param, ...]:
        """Help, defaults and ranges of every scalar field (forms and tooltips read these)."""
        return TRAIN_PARAMS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a dict; unknown keys and bad values are a TrainError naming the field."""
        known = {f.name for f in fields(cls)}
        for key in values:
            if key not in known:
                raise TrainError(
                    f"unknown training setting {excerpt(key)} (known: {', '.join(sorted(known))})", field=key
                )
        cfg = cls(**values)
        cfg.validate()
        return cfg

    def validate(self) -> TrainConfig:
        """Check every value (types, ranges, catalogue names); raise TrainError naming the field."""
        scalars = {p.name: getattr(self, p.name) for p in TRAIN_PARAMS}
        try:
            coerced = coerce_all(TRAIN_PARAMS, scalars)
        except ParamValueError as err:
            raise TrainError(str(err), field=err.field) from None
        for name, value in coerced.items():
            setattr(self, name, value)
        for name, registry in (("loss", LOSSES), ("optimizer", OPTIMIZERS), ("schedule", SCHEDULES)):
            if getattr(self, name) not in registry:
                raise TrainError(registry.unknown_message(getattr(self, name)), field=name)
        for name in ("optimizer_options", "schedule_options", "loss_options"):
            if not isinstance(getattr(self, name), dict):
                raise TrainError(f"'{name}' must be a mapping of setting names to values", field=name)
        if self.epochs is None and self.schedule != "constant":
            raise TrainError(
                f"the '{self.schedule}' schedule needs to know when training ends: set a number of epochs "
                "or choose the 'constant' schedule",
                field="schedule",
            )
        return self


class StopTraining(Exception):
    """Raised by a callback to end training between steps; `reason` says why, for the student."""

    def __init__(self, reason: str = "stopped", status: str = "stopped"):
        super().__init__(reason)
        self.reason = reason
        self.status = status


class Callback:
    """Listens to fit(). Every method is optional; raise StopTraining to end the run."""

    def on_fit_start(self, logs: dict) -> None: ...

    def on_step_end(self, step: int, logs: dict) -> None: ...

    def on_epoch_end(self, epoch: int, logs: dict) -> None: ...

    def on_fit_end(self, logs: dict) -> None: ...


# --- what is being learned: loss, targets and scores for one dataset task -------------------------------

CLASS_LOSSES = ("cross_entropy", "nll")  # these take class indices; every other loss takes numbers


@dataclass
class Objective:
    """The loss, how targets are laid out for it, and how predictions are scored.

    kind: "binary" (one logit, float (N, 1) targets), "classes" ((N, C) scores, class indices),
    "tokens" ((N, L, V) scores, (N, L) indices: scores are moved to (N, V, L) for the loss),
    "onehot" (C outputs, float one-hot targets: MSE/BCE on classes), "values" (regression/reconstruction).
    """

    loss_fn: nn.Module
    kind: str
    num_classes: int | None = None
    l1: float = 0.0

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.kind == "tokens":
            out = out.transpose(1, 2)  # (B, L, V) -> (B, V, L): cross_entropy wants classes on dim 1
        return self.loss_fn(out, y)

    def penalty(self, model: nn.Module) -> torch.Tensor | None:
        if not self.l1:
            return None
        return self.l1 * REGULARISERS.get("l1").factory(p for p in model.parameters() if p.requires_grad)

    @property
    def scores_classes(self) -> bool:
        return self.kind in ("binary", "classes", "tokens", "onehot")

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """Class predictions: (N,) or (N, L) indices."""
        if self.kind == "binary":
            return (out[:, 0] > 0).long()
        return out.argmax(dim=-1)

    def batch_score(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """A device scalar summed over the batch: correct predictions, or the squared error (regression)."""
        if self.scores_classes:
            return (self.predict(out) == self.labels(y)).sum()
        return ((out - y.reshape(out.shape)) ** 2).sum()

    def labels(self, y: torch.Tensor) -> torch.Tensor:
        """The class indices behind (possibly adapted) targets."""
        if self.kind == "binary":
            return y[:, 0].long()
        if self.kind == "onehot":
            return y.argmax(dim=-1)
        return y

    @staticmethod
    @torch.no_grad()
    def outputs(model: nn.Module, x: torch.Tensor, batch: int = 1024) -> torch.Tensor:
        """The model's outputs for all of x, in eval mode and in batches (the mode is restored)."""
        was_training = model.training
        model.eval()
        try:
            return torch.cat([model(x[i : i + batch]) for i in range(0, len(x), batch)])
        finally:
            model.train(was_training)

    @torch.no_grad()
    def evaluate(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict:
        """Mean loss and accuracy (or R²) over (x, y) in eval mode; empty split -> {}."""
        if len(x) == 0:
            return {}
        return self.scores(self.outputs(model, x), y)

    @torch.no_grad()
    def scores(self, out: torch.Tensor, y: torch.Tensor) -> dict:
        """{"loss", "accuracy"} or {"loss", "r2"} of outputs against targets."""
        result = {"loss": float(self.loss(out, y))}
        if self.scores_classes:
            result["accuracy"] = float((self.predict(out) == self.labels(y)).float().mean())
        else:
            result["r2"] = r2_score(out, y)
        return result


def r2_score(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Coefficient of determination over all outputs: 1 is perfect, 0 is no better than the mean."""
    target = target.reshape(pred.shape).float()
    total = ((target - target.mean(dim=0)) ** 2).sum()
    residual = ((target - pred) ** 2).sum()
    if float(total) == 0.0:
        return 1.0 if float(residual) == 0.0 else 0.0
    return float(1 - residual / total)


def make_objective(
    loss: str,
    task: str,
    num_classes: int | None,
    out_shape: tuple[int, ...],
    target_shape: tuple[int, ...],
    l1: float = 0.0,
    loss_options: dict | None = None,
) -> Objective:
    """Pick how targets feed `loss` for this task and model output; SpecError with advice if they can't."""
    loss_fn = make_loss(loss, **(loss_options or {}))
    out_shape = tuple(out_shape)
    if task in ("binary", "multiclass"):
        if loss in CLASS_LOSSES:
            kind = "classes"
        elif out_shape == (1,) and num_classes == 2:
            kind = "binary"  # one output scored against 0/1: bce_with_logits (or mse on the logit)
        else:
            kind = "onehot"
        expected = (1,) if kind == "binary" else (num_classes,)
        if out_shape != expected:
            raise _output_mismatch(loss, out_shape, expected, f"one output per class ({num_classes})")
        return Objective(loss_fn, kind, num_classes, l1)
    if task == "sequence-to-sequence":
        if loss not in CLASS_LOSSES:
            raise SpecError(
                f"predicting tokens needs a classification loss: choose cross_entropy, not {loss}",
                field="loss",
            )
        expected = (*tuple(target_shape), num_classes)
        if out_shape != expected:
            raise _output_mismatch(
                loss, out_shape, expected, f"a score for each of the {num_classes} tokens at every position"
            )
        return Objective(loss_fn, "tokens", num_classes, l1)
    # regression, or generative (a reconstruction of the input)
    if loss in CLASS_LOSSES:
        raise SpecError(
            f"{loss} compares scores with class labels, but this dataset's targets are numbers: "
            "choose mse, l1 or huber",
            field="loss",
        )
    if tuple(out_shape) != tuple(target_shape):
        what = "the input shape (the model rebuilds its input)" if task == "generative" else "the targets"
        raise _output_mismatch(loss, out_shape, tuple(target_shape), what)
    return Objective(loss_fn, "values", None, l1)


def _output_mismatch(loss: str, got: tuple, expected: tuple, what: str) -> SpecError:
    hint = ""
    if len(expected) == 1:
        hint = f": set the last layer's output size (e.g. the last Linear's out_features) to {expected[0]}"
    return SpecError(
        f"{loss} needs the model's output to have shape {expected} ({what}), but this model outputs "
        f"{got}{hint}",
        field="loss",
    )


def adapt_targets(objective: Objective, y: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
    """Targets laid out as the loss expects (see Objective.kind)."""
    if objective.kind == "binary":
        return y.float().reshape(-1, 1)  # (N,) 0/1 labels -> (N, 1) floats for one logit
    if objective.kind == "onehot":
        return nn.functional.one_hot(y.long(), objective.num_classes).float()
    if objective.kind in ("classes", "tokens"):
        return y.long()
    if y.numel() == 0 and x is not None:  # generative: the model rebuilds its input
        return x.float()
    return y.float().reshape(len(y), *(y.shape[1:] or (1,)))


# --- the data, resident on the training device --------------------------------------------------------


@dataclass
class TrainData:
    """(inputs, targets) per split, already on the device and adapted to the objective."""

    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]

    @classmethod
    def from_dataset(cls, ds, objective: Objective, device: torch.device) -> TrainData:
        def put(pair):
            x, y = pair
            return x.to(device), adapt_targets(objective, y, x).to(device)

        return cls(put(ds.train), put(ds.val), put(ds.test))


class Tally:
    """Running training scores (accuracy or R²) over every batch of an epoch, read a few times a second.

    Scoring a batch takes several small ops: a tenth of a tiny model's step on a CPU. So an eager step
    only keeps its outputs and targets (`add`), and they are scored together, in one go, every
    FOLD_EVERY batches and when read. Inside a CUDA graph the score is summed on the device instead.
    """

    FOLD_EVERY = 64

    def __init__(self, objective: Objective, y_train: torch.Tensor):
        self.objective = objective
        self.score = torch.zeros((), device=y_train.device)
        self.samples = 0
        self._outs: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        self.units = y_train[0].numel() if objective.kind == "tokens" else 1  # tokens are scored one by one
        if not objective.scores_classes:  # R² compares the squared error with the targets' own spread
            y = y_train.float().reshape(len(y_train), -1)
            self.spread_per_sample = float(((y - y.mean(dim=0)) ** 2).sum()) / max(1, len(y))

    def add(self, out: torch.Tensor, y: torch.Tensor) -> None:
        self._outs.append(out)
        self._targets.append(y)
        if len(self._outs) >= self.FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        if self._outs:
            self.score += self.objective.batch_score(torch.cat(self._outs), torch.cat(self._targets))
            self._outs, self._targets = [], []

    def restart(self) -> None:
        """Forget the epoch so far (no host sync)."""
        self._outs, self._targets = [], []
        self.score.zero_()
        self.samples = 0

    def read(self) -> dict:
        """Running train accuracy (or R²) over the epoch; {} if no batch was seen."""
        if not self.samples:
            return {}
        self._fold()
        total, seen = float(self.score), self.samples  # host sync
        self.restart()
        if self.objective.scores_classes:
            return {"train_accuracy": total / (seen * self.units)}
        spread = self.spread_per_sample * seen
        return {"train_r2": 1 - total / spread if spread > 0 else 0.0}


# --- one optimizer step, eagerly or as a replayed CUDA graph ---------------------------------------


class EagerStep:
    """zero_grad, forward, loss, backward, optimizer step; returns the (device) loss and tallies the batch."""

    def __init__(self, model, objective, optimizer, x, y, tally: Tally):
        self.model, self.objective, self.optimizer = model, objective, optimizer
        self.x, self.y, self.tally = x, y, tally
        self.in_graph = False  # set while a CUDA graph captures this step

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        return self.compute(self.x.index_select(0, idx), self.y.index_select(0, idx))

    def compute(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        out = self.model(xb)
        loss = self.objective.loss(out, yb)
        penalty = self.objective.penalty(self.model)
        (loss if penalty is None else loss + penalty).backward()
        self.optimizer.step()
        if self.in_graph:
            self.tally.score += self.objective.batch_score(out.detach(), yb)
        else:
            self.tally.add(out.detach(), yb)
        return loss.detach()


class CudaGraphStep:
    """The whole step captured once in a CUDA graph; each call copies the batch's indices in and replays it.

    Kernel launches, not arithmetic, limit small models on a GPU; one replay launches them all at once.
    Needs a fixed batch size (callers pass full batches) and an optimizer whose state lives on the GPU
    (Adam/AdamW/RMSprop with capturable=True, or SGD). Dropout is fine: PyTorch advances the graph's
    random seed on every replay. The tally's score is updated in place inside the graph.
    """

    WARMUP_STEPS = 3

    def __init__(self, eager: EagerStep):
        self.eager = eager
        self.graph: torch.cuda.CUDAGraph | None = None
        self.failed: str | None = None  # why capture failed: the model then trains eagerly
        self.warmup_left = self.WARMUP_STEPS
        # Warm-up and capture share one side stream (libraries create per-stream handles on first use,
        # which must not happen mid-capture).
        self.stream = torch.cuda.Stream()

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        if self.graph is not None:
            self.static_idx.copy_(idx)  # the batch is gathered inside the graph: one launch per step here
            self.graph.replay()
            return self.static_loss.clone()  # the graph overwrites static_loss on the next replay
        if self.failed:
            return self.eager(idx)
        # Warm-up steps (real training steps) run on the side stream, as capture requires.
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            loss = self.eager(idx)
        torch.cuda.current_stream().wait_stream(self.stream)
        self.warmup_left -= 1
        if self.warmup_left == 0:
            self._capture(idx)
        return loss

    def _capture(self, idx: torch.Tensor) -> None:
        eager = self.eager
        self.static_idx = idx.clone()
        self.stream.wait_stream(torch.cuda.current_stream())
        graph = torch.cuda.CUDAGraph()
        eager.optimizer.zero_grad(set_to_none=True)
        try:
            # thread_local: other jobs' threads may allocate while this one captures.
            eager.in_graph = True
            with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                self.static_loss = eager.compute(
                    eager.x.index_select(0, self.static_idx), eager.y.index_select(0, self.static_idx)
                )
        except Exception as err:  # an op that cannot be captured (a host sync, a dynamic shape)
            eager.in_graph = False
            self.failed = f"{type(err).__name__}: {err}"
            eager.optimizer.zero_grad(set_to_none=True)  # drop gradients living in the graph's memory
            torch.cuda.synchronize()
            return
        self.graph = graph


def make_graphable(optimizer: torch.optim.Optimizer, scheduled: bool, device: torch.device) -> bool:
    """Prepare `optimizer` for CUDA-graph capture; False if it cannot be captured (train eagerly then)."""
    if isinstance(optimizer, torch.optim.SGD):
        graphable = not scheduled  # SGD reads a Python-float lr, which a graph would freeze
    elif "capturable" in optimizer.defaults:
        for group in optimizer.param_groups:
            group["capturable"] = True  # keeps the step counter on the GPU, where the graph can advance it
            if scheduled:  # a tensor lr the scheduler fills in place, so the graph sees every change
                group["lr"] = torch.tensor(float(group["lr"]), device=device)
        optimizer.defaults["capturable"] = True
        graphable = True
    else:
        graphable = False
    return graphable


# --- the loop -------------------------------------------------------------------------------------------


def fit(
    model: nn.Module,
    data: TrainData,
    objective: Objective,
    optimizer: torch.optim.Optimizer,
    *,
    epochs: int | None,
    batch_size: int,
    scheduler: Any = None,
    callbacks: Sequence[Callback] = (),
    generator: torch.Generator | None = None,
    start_epoch: int = 0,
    start_step: int = 0,
    cuda_graph: bool | None = None,
    score_every_s: float = 0.05,
    score_budget: float = 0.1,
) -> dict:
    """Train `model` on `data`; return the final logs (with "status" and "reason").

    Batches are index tensors drawn from a fresh permutation each epoch (`generator` makes the order
    repeatable). On CUDA (`cuda_graph` None = when possible) every batch is full so a captured graph can
    replay it; elsewhere the last batch of an epoch holds the remainder.

    Epoch ends are scored (running train accuracy or R², validation loss and accuracy or R²) at most
    every `score_every_s` seconds and with validation taking at most `score_budget` of the time, so a
    tiny dataset with thousands of epochs a second does not spend its time evaluating; the last epoch is
    always scored, and `score_every_s=0` scores every epoch (early stopping needs that).
    """
    x, y = data.train
    n = len(x)
    if n == 0:
        raise TrainError("the training split is empty: there is nothing to learn from", field="dataset")
    device = x.device
    batch_size = min(batch_size, n)
    tally = Tally(objective, y)
    eager = EagerStep(model, objective, optimizer, x, y, tally)
    if cuda_graph is None:
        cuda_graph = device.type == "cuda"
    cuda_graph = (
        cuda_graph and device.type == "cuda" and make_graphable(optimizer, scheduler is not None, device)
    )
    step_fn: Callable[[torch.Tensor], torch.Tensor] = CudaGraphStep(eager) if cuda_graph else eager
    per_epoch = steps_per_epoch(n, batch_size, full_batches=cuda_graph)
    logs = {
        "model": model,
        "optimizer": optimizer,
        "steps_per_epoch": per_epoch,
        "epochs": epochs,
        "batch_size": batch_size,
        "device": device,
        "cuda_graph": bool(cuda_graph),
        "step": start_step,
        "epoch": start_epoch,
        "train_x": x,
    }
    step, epoch = start_step, start_epoch
    last_scored, score_cost = -math.inf, 0.0
    status, reason = "finished", "finished"
    model.train()
    try:
        for cb in callbacks:
            cb.on_fit_start(logs)  # may already stop (a job stopped while it waited paused at step 0)
        while epochs is None or epoch < epochs:
            order = torch.randperm(n, generator=generator, device=device)
            for b in range(per_epoch):
                idx = order[b * batch_size : (b + 1) * batch_size]
                loss = step_fn(idx)
                if scheduler is not None:
                    scheduler.step()
                step += 1
                size = len(idx)
                tally.samples += size
                step_logs = {"loss": loss, "epoch": epoch + 1, "batch_size": size}
                for cb in callbacks:
                    cb.on_step_end(step, step_logs)
            epoch += 1
            epoch_logs: dict[str, Any] = {"step": step}
            now = time.perf_counter()
            if now - last_scored >= max(score_every_s, score_cost / score_budget) or epoch == epochs:
                epoch_logs.update(tally.read())
                for key, value in objective.evaluate(model, *data.val).items():
                    epoch_logs[f"val_{key}"] = value
                last_scored = time.perf_counter()
                score_cost = last_scored - now
            else:
                tally.restart()  # each scored epoch reports its own batches only
            for cb in callbacks:
                cb.on_epoch_end(epoch, epoch_logs)
    except StopTraining as stop:
        status, reason = stop.status, stop.reason
    captured = isinstance(step_fn, CudaGraphStep) and step_fn.graph is not None
    logs.update(step=step, epoch=epoch, status=status, reason=reason, cuda_graph=captured)
    for cb in callbacks:
        cb.on_fit_end(logs)
    return logs


def steps_per_epoch(n: int, batch_size: int, full_batches: bool = False) -> int:
    """Batches in one pass over n examples (full batches only: the remainder waits for the next epoch)."""
    batch_size = min(batch_size, n)
    return max(1, n // batch_size) if full_batches else math.ceil(n / batch_size)
