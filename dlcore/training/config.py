"""What a training run is told (TrainConfig, every field a Param) and how it talks to listeners (Callback,
StopTraining). Plain data: a config round-trips through a dict and JSON.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch
from torch import nn

from dlcore.errors import TrainError, excerpt
from dlcore.optim import LEARNING_RATE, LOSSES, OPTIMIZERS, SCHEDULES, WEIGHT_DECAY
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
        "clip_grad_norm",
        "float",
        None,
        "Gradient clipping: before each step, gradients longer than this (all together) are shrunk to "
        "this length, so one huge gradient cannot throw the weights away (empty: off).",
        min=1e-6,
        max=1e6,
        optional=True,
    ),
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
        "recipe",
        "str",
        "auto",
        "What kind of learning: supervised, autoencoder, GAN, diffusion ... (auto: the dataset's usual one).",
    ),
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
    catalogues describe (e.g. `{"momentum": 0.9}`); `recipe_options` the recipe's own (e.g. a GAN's
    `d_steps`), checked against the recipe's Params when the run starts.
    """

    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    batch_size: int = 64
    epochs: int | None = 10
    weight_decay: float = 0.0
    clip_grad_norm: float | None = None
    l1: float = 0.0
    schedule: str = "constant"
    recipe: str = "auto"
    device: str = "auto"
    seed: int = 0
    early_stopping_patience: int | None = None
    max_seconds: float = 600.0
    metric_interval_s: float = 0.1
    optimizer_options: dict[str, Any] = field(default_factory=dict)
    schedule_options: dict[str, Any] = field(default_factory=dict)
    loss_options: dict[str, Any] = field(default_factory=dict)
    recipe_options: dict[str, Any] = field(default_factory=dict)

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
        for name in ("optimizer_options", "schedule_options", "loss_options", "recipe_options"):
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
