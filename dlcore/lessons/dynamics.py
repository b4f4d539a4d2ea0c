"""Measures of how a run trained, for lessons on training dynamics: how jagged its loss curve is (batch
size and gradient noise), how many of its sigmoid/tanh outputs sit on their flat ends (saturation), and
how large its weights grew (weight decay). Registered with dlcore.lessons.register_measure."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from dlcore.errors import DlcoreError
from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import RunResult

FLAT = 0.1  # an output is saturated where the activation's slope is below this share of its steepest


def roughness(values: np.ndarray) -> float:
    """How jagged a curve is: the mean jump from one point to the next, as a share of the curve's mean
    size (0 for a flat line; about 1 when each point is as far from the last as the curve is high)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        raise DlcoreError("the run recorded too few steps to tell how jagged its loss is: train longer")
    size = np.abs(values).mean()
    return float(np.abs(np.diff(values)).mean() / size) if size > 0 else 0.0


@register_measure(
    "loss_noise",
    "how jagged the training loss is from one step to the next: the mean jump of each step's loss, as a "
    "share of its mean (0 = smooth; small batches give noisy steps)",
)
def _loss_noise(result: RunResult) -> float:
    if result.job is None:
        raise DlcoreError("this run kept no step-by-step loss")
    return roughness(result.job.metrics()["train_loss"].to_numpy())


def _slope(module: nn.Module, out: torch.Tensor) -> torch.Tensor:
    """The slope of a sigmoid or tanh at its output `out`, as a share of its steepest (0.25 and 1)."""
    return out * (1 - out) / 0.25 if isinstance(module, nn.Sigmoid) else 1 - out**2


def saturation(model: nn.Module, inputs: torch.Tensor) -> float:
    """The share of the sigmoid and tanh outputs, over `inputs`, where the activation is nearly flat
    (its slope below FLAT of its steepest): there the neuron passes almost no gradient back."""
    layers = [m for m in model.modules() if isinstance(m, nn.Sigmoid | nn.Tanh)]
    if not layers:
        raise DlcoreError("this network has no sigmoid or tanh layer: saturation is measured on those")
    flat, total = [], []

    def record(module, _inputs, out):
        flat.append(int((_slope(module, out) < FLAT).sum()))
        total.append(out.numel())

    handles = [layer.register_forward_hook(record) for layer in layers]
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return sum(flat) / sum(total)


@register_measure(
    "saturation",
    "the share of sigmoid and tanh outputs on the training data that sit on the activation's flat ends "
    f"(slope below {FLAT:g} of its steepest), at the end",
)
def _saturation(result: RunResult) -> float:
    return saturation(result.model, result.dataset.train[0])


@register_measure("weight_norm", "the size of all the weights at the end: the root of their sum of squares")
def _weight_norm(result: RunResult) -> float:
    weights = [p.detach() for name, p in result.model.named_parameters() if name.endswith("weight")]
    return float(torch.sqrt(sum((w.float() ** 2).sum() for w in weights)))
