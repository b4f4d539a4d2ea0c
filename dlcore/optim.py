"""Catalogues of losses, optimizers, LR schedules, regularisers and weight initialisers.

Each entry has a `name` (the snake_case of PyTorch's name), one-paragraph `help` for a student, its
`params` (as `Param`s, for forms) and a factory. Unknown names raise TrainError with "did you mean".
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from dlcore.errors import TrainError
from dlcore.params import Param, ParamValueError, coerce_all
from dlcore.registry import Registry


@dataclass(frozen=True)
class Entry:
    """One catalogue entry: name, help, params and the factory that makes the thing; `title` is how menus
    show it ("SGD + momentum"; the name when empty)."""

    name: str
    help: str
    factory: Callable[..., Any]
    params: tuple[Param, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # facts other code reads (e.g. what a loss expects)
    title: str = ""

    @property
    def label(self) -> str:
        return self.title or self.name


def _settings(entry: Entry, values: dict[str, Any]) -> dict[str, Any]:
    try:
        return coerce_all(entry.params, values)
    except ParamValueError as err:
        raise TrainError(f"{entry.name}: {err}", field=err.field) from err


# ---------------------------------------------------------------- losses

LOSSES: Registry[Entry] = Registry("loss", TrainError)
for _entry in (
    Entry(
        "mse",
        "Mean squared error: the average of (prediction - target)². For regression; big misses cost most.",
        lambda: nn.MSELoss(),
        extra={"expects": "values"},
        title="MSE",
    ),
    Entry(
        "l1",
        "Mean absolute error: the average of |prediction - target|. For regression; less swayed by outliers.",
        lambda: nn.L1Loss(),
        extra={"expects": "values"},
        title="L1 (MAE)",
    ),
    Entry(
        "huber",
        "Squared error for small misses and absolute error for big ones: regression robust to outliers.",
        lambda delta: nn.HuberLoss(delta=delta),
        (
            Param(
                "delta",
                "float",
                1.0,
                "Where the loss switches from squared to absolute.",
                min=1e-4,
                max=100.0,
            ),
        ),
        extra={"expects": "values"},
        title="Huber",
    ),
    Entry(
        "bce_with_logits",
        "Binary cross-entropy on raw scores (logits): for yes/no answers. The model ends with one output "
        "and no Sigmoid (the loss applies it, more accurately).",
        lambda: nn.BCEWithLogitsLoss(),
        extra={"expects": "logits"},
        title="Binary cross-entropy",
    ),
    Entry(
        "cross_entropy",
        "Cross-entropy on raw scores (logits): for picking one of several classes. The model ends with one "
        "output per class and no Softmax (the loss applies it). Label smoothing curbs overconfidence.",
        lambda label_smoothing, class_weight, class_counts=None: nn.CrossEntropyLoss(
            weight=class_weights(class_weight, class_counts), label_smoothing=label_smoothing
        ),
        (
            Param(
                "label_smoothing",
                "float",
                0.0,
                "Share of belief spread over the other classes.",
                min=0.0,
                max=0.5,
            ),
            Param(
                "class_weight",
                "choice",
                "equal",
                "How much each class's mistakes count. 'equal': every example the same, so a rare class "
                "hardly counts; 'balanced': every class the same in total, so a mistake on a rare example "
                "costs as much as many on common ones.",
                choices=("equal", "balanced"),
            ),
        ),
        extra={
            "expects": "logits",
            "class_targets": True,
        },
        title="Cross-entropy",
    ),
    Entry(
        "nll",
        "Negative log-likelihood: cross-entropy for a model that already ends with LogSoftmax.",
        lambda: nn.NLLLoss(),
        extra={
            "expects": "log_probabilities",
            "class_targets": True,
        },
        title="Negative log-likelihood",
    ),
    Entry(
        "kl_div",
        "Kullback-Leibler divergence: how far the predicted distribution (given as log-probabilities, i.e. "
        "after LogSoftmax) is from a target distribution. Used for distillation and soft labels.",
        lambda: nn.KLDivLoss(reduction="batchmean"),
        extra={"expects": "log_probabilities"},
        title="KL divergence",
    ),
):
    LOSSES.register(_entry.name, _entry)


def make_loss(name: str, class_counts: torch.Tensor | None = None, **settings) -> nn.Module:
    """The loss module for `name` (see LOSSES), e.g. make_loss("cross_entropy", label_smoothing=0.1).
    `class_counts` (K,): training examples per class, for a loss whose `class_weight` is 'balanced'."""
    entry = LOSSES.get(name)
    values = _settings(entry, settings)
    if "class_weight" in values:
        values["class_counts"] = class_counts
    return entry.factory(**values)


def class_weights(kind: str, counts: torch.Tensor | None) -> torch.Tensor | None:
    """Per-class loss weights: None for 'equal'; for 'balanced', N / (K · count) for each of the K classes
    (scikit-learn's rule), so every class adds the same total weight to the loss."""
    if kind == "equal":
        return None
    if counts is None:
        raise TrainError(
            "'balanced' class weights need the training set's classes: use them with a classification "
            "dataset, or set class_weight to 'equal'",
            field="class_weight",
        )
    counts = counts.float().clamp(min=1)  # a class without examples must not divide by zero
    return counts.sum() / (len(counts) * counts)


# ---------------------------------------------------------------- optimizers

MOMENTUM = Param(
    "momentum",
    "float",
    0.9,
    "Share of the previous step kept in the next (a heavy ball).",
    min=0.0,
    max=0.999,
)
BETA1 = Param("beta1", "float", 0.9, "How much the running mean of gradients remembers.", min=0.0, max=0.9999)
BETA2 = Param(
    "beta2", "float", 0.999, "How much the running mean of squared gradients remembers.", min=0.0, max=0.99999
)
EPS = Param("eps", "float", 1e-8, "Tiny number that avoids dividing by zero.", min=1e-12, max=1e-2, log=True)

OPTIMIZERS: Registry[Entry] = Registry("optimizer", TrainError)
# extra["torch_class"]: the PyTorch class behind the entry, whose arguments say which engine options
# (capturable, foreach, fused) it accepts.
for _entry in (
    Entry(
        "sgd",
        "Plain stochastic gradient descent: step downhill by lr × gradient.",
        lambda p, **kw: torch.optim.SGD(p, **kw),
        extra={"torch_class": torch.optim.SGD},
        title="SGD",
    ),
    Entry(
        "momentum",
        "SGD with momentum: keeps rolling in the direction it was going, smoothing zig-zags.",
        lambda p, **kw: torch.optim.SGD(p, **kw),
        (MOMENTUM,),
        extra={"torch_class": torch.optim.SGD},
        title="SGD + momentum",
    ),
    Entry(
        "nesterov",
        "Nesterov momentum: like momentum, but looks ahead before computing the gradient.",
        lambda p, **kw: torch.optim.SGD(p, nesterov=True, **kw),
        (MOMENTUM,),
        extra={"torch_class": torch.optim.SGD},
        title="Nesterov",
    ),
    Entry(
        "adam",
        "Adam: momentum plus a per-weight step size from recent gradient sizes. A robust default.",
        lambda p, beta1, beta2, **kw: torch.optim.Adam(p, betas=(beta1, beta2), **kw),
        (BETA1, BETA2, EPS),
        extra={"torch_class": torch.optim.Adam},
        title="Adam",
    ),
    Entry(
        "adamw",
        "AdamW: Adam with weight decay applied directly to the weights (the usual way to use it).",
        lambda p, beta1, beta2, **kw: torch.optim.AdamW(p, betas=(beta1, beta2), **kw),
        (BETA1, BETA2, EPS),
        extra={"torch_class": torch.optim.AdamW},
        title="AdamW",
    ),
    Entry(
        "rmsprop",
        "RMSprop: divides each step by a running average of recent gradient sizes.",
        lambda p, **kw: torch.optim.RMSprop(p, **kw),
        (
            Param("alpha", "float", 0.99, "How much the running average remembers.", min=0.0, max=0.9999),
            Param("momentum", "float", 0.0, "Share of the previous step kept.", min=0.0, max=0.999),
            EPS,
        ),
        extra={"torch_class": torch.optim.RMSprop},
        title="RMSprop",
    ),
    Entry(
        "adagrad",
        "Adagrad: steps shrink for weights that have already had large gradients.",
        lambda p, **kw: torch.optim.Adagrad(p, **kw),
        (EPS,),
        extra={"torch_class": torch.optim.Adagrad},
        title="Adagrad",
    ),
):
    OPTIMIZERS.register(_entry.name, _entry)


# The learning rate and L2 weight decay, described once: TrainConfig, the playground and make_optimizer all
# check against these bounds.
LEARNING_RATE = Param(
    "lr",
    "float",
    1e-3,
    "Learning rate: the size of each step. Too big diverges, too small crawls.",
    min=1e-7,
    max=10.0,
    log=True,
)
WEIGHT_DECAY = Param(
    "weight_decay",
    "float",
    0.0,
    "L2 penalty: pulls every weight towards zero a little each step.",
    min=0.0,
    max=1.0,
)


def make_optimizer(name: str, parameters: Iterable, lr: float, weight_decay: float = 0.0, **settings):
    """A torch optimizer for `name` (see OPTIMIZERS); weight_decay is L2 regularisation.

    Settings are the entry's params; engine options PyTorch's class accepts (capturable, foreach,
    fused) pass straight through.
    """
    entry = OPTIMIZERS.get(name)
    try:
        checked = coerce_all((LEARNING_RATE, WEIGHT_DECAY), {"lr": lr, "weight_decay": weight_decay})
    except ParamValueError as err:
        raise TrainError(str(err), field=err.field) from None
    lr, weight_decay = checked["lr"], checked["weight_decay"]
    torch_class = entry.extra.get("torch_class")
    accepted = inspect.signature(torch_class).parameters if torch_class is not None else {}
    passthrough = {k: settings.pop(k) for k in list(settings) if k in ("capturable", "foreach", "fused")}
    passthrough = {k: v for k, v in passthrough.items() if k in accepted}
    return entry.factory(
        parameters, lr=lr, weight_decay=weight_decay, **_settings(entry, settings), **passthrough
    )


# ---------------------------------------------------------------- LR schedules
# Each is a LambdaLR multiplier of the base lr, stepped once per optimizer step, clamped so stepping past
# the planned total keeps the last value instead of failing.


def _fraction_param(name: str, default: float, help: str) -> Param:
    return Param(name, "float", default, help, min=0.0, max=1.0)


def _constant(total: int) -> Callable[[int], float]:
    return lambda step: 1.0


def _step(total: int, step_fraction: float, gamma: float) -> Callable[[int], float]:
    every = max(1, round(total * step_fraction))
    return lambda step: gamma ** (step // every)


def _cosine(total: int, min_factor: float) -> Callable[[int], float]:
    return lambda step: (
        min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * min(step, total) / total))
    )


def _warmup_factor(step: int, warm: int) -> float:
    return min(1.0, (step + 1) / warm)


def _one_cycle(total: int, pct_start: float) -> Callable[[int], float]:
    warm = max(1, round(total * pct_start))

    def factor(step: int) -> float:
        if step < warm:
            return 0.04 + 0.96 * step / warm  # from lr/25 up to lr, as PyTorch's OneCycleLR
        done = min(1.0, (step - warm) / max(1, total - warm))
        return 1e-4 + (1 - 1e-4) * 0.5 * (1 + math.cos(math.pi * done))

    return factor


def _linear_warmup(total: int, warmup_fraction: float) -> Callable[[int], float]:
    warm = max(1, round(total * warmup_fraction))
    return lambda step: _warmup_factor(step, warm)


SCHEDULES: Registry[Entry] = Registry("learning-rate schedule", TrainError)
for _entry in (
    Entry("constant", "The learning rate stays the same all along.", _constant),
    Entry(
        "step",
        "Multiplies the learning rate by gamma at regular intervals (big steps first, then fine ones).",
        _step,
        (
            _fraction_param("step_fraction", 0.33, "Share of training between two drops."),
            Param("gamma", "float", 0.1, "Factor applied at each drop.", min=0.0, max=1.0),
        ),
    ),
    Entry(
        "cosine",
        "Glides the learning rate down along a half cosine wave to a minimum at the end.",
        _cosine,
        (_fraction_param("min_factor", 0.0, "Final learning rate as a share of the start."),),
    ),
    Entry(
        "one_cycle",
        "Warms up from lr/25 to lr, then anneals to almost zero: fast training (the one-cycle policy).",
        _one_cycle,
        (_fraction_param("pct_start", 0.3, "Share of training spent warming up."),),
    ),
    Entry(
        "linear_warmup",
        "Ramps the learning rate up linearly from near zero, then holds it: avoids early "
        "blow-ups with Adam and transformers.",
        _linear_warmup,
        (_fraction_param("warmup_fraction", 0.1, "Share of training spent warming up."),),
    ),
):
    SCHEDULES.register(_entry.name, _entry)


def make_scheduler(name: str, optimizer: torch.optim.Optimizer, total_steps: int, **settings):
    """A LambdaLR following schedule `name` over `total_steps` optimizer steps (call .step() after each)."""
    entry = SCHEDULES.get(name)
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
        raise TrainError(
            f"the schedule needs the planned number of steps (a whole number ≥ 1), not {total_steps!r}",
            field="total_steps",
        )
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, entry.factory(total_steps, **_settings(entry, settings))
    )


# ---------------------------------------------------------------- regularisers


def _no_penalty(parameters: Iterable[torch.Tensor]) -> torch.Tensor | None:
    return None


def _l1_penalty(parameters: Iterable[torch.Tensor]) -> torch.Tensor:
    return sum(p.abs().sum() for p in parameters if p.dim() > 1)


def _l2_penalty(parameters: Iterable[torch.Tensor]) -> torch.Tensor:
    return sum(p.pow(2).sum() for p in parameters if p.dim() > 1)


REGULARISERS: Registry[Entry] = Registry("regulariser", TrainError)
for _entry in (
    Entry("none", "No penalty on the weights.", _no_penalty),
    Entry(
        "l1",
        "Adds strength × Σ|w| to the loss: pushes many weights to exactly zero (sparse models).",
        _l1_penalty,
        (
            Param(
                "strength", "float", 1e-4, "How hard weights are pulled to zero.", min=0.0, max=1.0, log=True
            ),
        ),
    ),
    Entry(
        "l2",
        "Weight decay: shrinks every weight a little each step (strength × Σw²), preferring small, "
        "smooth solutions. Set it as the optimizer's weight_decay.",
        _l2_penalty,
        (
            Param(
                "strength", "float", 1e-4, "How hard weights are pulled to zero.", min=0.0, max=1.0, log=True
            ),
        ),
    ),
):
    REGULARISERS.register(_entry.name, _entry)


# ---------------------------------------------------------------- weight initialisers
# Applied to a layer's weight matrices / filters (parameters with 2+ dimensions); biases start at the
# entry's "bias" (zero unless it says otherwise; None keeps PyTorch's own random biases) whenever an
# initialiser other than "default" is chosen.


def _default(weight: torch.Tensor, std: float) -> None:
    """Keep PyTorch's own initialisation."""


def _xavier(weight: torch.Tensor, std: float) -> None:
    nn.init.xavier_uniform_(weight)


def _kaiming(weight: torch.Tensor, std: float) -> None:
    nn.init.kaiming_normal_(weight, nonlinearity="relu")


def _kaiming_uniform(weight: torch.Tensor, std: float) -> None:
    nn.init.kaiming_uniform_(weight, nonlinearity="relu")


def _normal(weight: torch.Tensor, std: float) -> None:
    nn.init.normal_(weight, 0.0, std)


def _zeros(weight: torch.Tensor, std: float) -> None:
    nn.init.zeros_(weight)


def _tf_playground(weight: torch.Tensor, std: float) -> None:
    nn.init.uniform_(weight, -0.5, 0.5)


INITIALISERS: Registry[Entry] = Registry("initialiser", TrainError)
for _entry in (
    Entry(
        "default",
        "PyTorch's default for each layer (a scaled uniform distribution).",
        _default,
        extra={"code": ""},
        title="PyTorch default",
    ),
    Entry(
        "xavier",
        "Xavier/Glorot: variance scaled by fan-in and fan-out; keeps signals steady through tanh "
        "and sigmoid layers.",
        _xavier,
        extra={"code": "nn.init.xavier_uniform_({weight})"},
        title="Xavier",
    ),
    Entry(
        "kaiming",
        "Kaiming/He: variance 2/fan-in; keeps signals steady through ReLU layers.",
        _kaiming,
        extra={"code": 'nn.init.kaiming_normal_({weight}, nonlinearity="relu")'},
        title="Kaiming",
    ),
    Entry(
        "kaiming_uniform",
        "Kaiming/He uniform weights (within ±√(6/fan-in)) and PyTorch's random biases: the strong start "
        "of Kaiming for ReLU layers, with each neuron's starting boundary off the origin.",
        _kaiming_uniform,
        extra={"code": 'nn.init.kaiming_uniform_({weight}, nonlinearity="relu")', "bias": None},
        title="Kaiming uniform + random biases",
    ),
    Entry(
        "normal",
        "Random normal with the std you choose: too small and signals vanish, too big and they explode.",
        _normal,
        (Param("init_std", "float", 0.1, "Standard deviation.", min=0.0, max=10.0),),
        extra={"code": "nn.init.normal_({weight}, std={std})"},
        title="Normal",
    ),
    Entry(
        "zeros",
        "All weights zero: every unit in a layer stays identical (the symmetry problem), so the "
        "network cannot learn.",
        _zeros,
        extra={"code": "nn.init.zeros_({weight})"},
        title="Zeros",
    ),
    Entry(
        "tf_playground",
        "TensorFlow Playground's rule: every weight uniform in [-0.5, 0.5], every bias 0.1 (a small "
        "positive bias keeps ReLU units switched on at the start).",
        _tf_playground,
        extra={"code": "nn.init.uniform_({weight}, -0.5, 0.5)", "bias": 0.1},
        title="TF Playground (±0.5, bias 0.1)",
    ),
):
    INITIALISERS.register(_entry.name, _entry)


def init_targets(module: nn.Module) -> list[tuple[str, bool]]:
    """(parameter name, is_weight) for what an initialiser sets: weight matrices and filters get the
    initialiser, biases its constant; norm scales, positional tables and what a module lists in
    `keeps_its_start` (a state-space layer's decay rates and step sizes) keep their own start."""
    targets = []
    for prefix, sub in module.named_modules():
        kept = getattr(sub, "keeps_its_start", ())
        for n, p in sub.named_parameters(recurse=False):
            if n not in kept and (p.dim() >= 2 or "bias" in n):
                targets.append((f"{prefix}.{n}" if prefix else n, p.dim() >= 2))
    return targets


@torch.no_grad()
def initialise(module: nn.Module, name: str, std: float = 0.1) -> None:
    """Re-initialise one layer's weights with initialiser `name` (see INITIALISERS)."""
    if name == "default":
        return
    entry = INITIALISERS.get(name)
    params = dict(module.named_parameters())
    bias = initial_bias(name)
    for pname, is_weight in init_targets(module):
        if is_weight:
            entry.factory(params[pname], std)
        elif bias is not None:
            params[pname].fill_(bias)


def initial_bias(name: str) -> float | None:
    """The value initialiser `name` gives every bias: 0 unless its entry says otherwise, None where it
    keeps PyTorch's own random biases."""
    return INITIALISERS.get(name).extra.get("bias", 0.0)
