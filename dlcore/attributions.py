"""Attributions as the Explain page shows them: several methods side by side for one input, laid out by
the data's kind (a map over an image, bars per feature, per time step or per token), the sanity check's
verdict, and the numbers of the cheating-model lesson.

Everything here is data in, numbers out: the page draws what these return with dlcore.plots.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcore.data.dataset import Dataset
from dlcore.errors import DlcoreError
from dlcore.explain import METHODS, attribution_mass, conv_layer_names, explain, randomisation_check
from dlcore.inspect import predict

__all__ = [
    "Bars",
    "as_bars",
    "attribute",
    "cue_shares",
    "sanity_input",
    "sanity_stages",
    "sanity_verdict",
    "top_class",
    "usable_methods",
]

# With every layer random, a map whose rank correlation with the trained model's map is below this
# depends on the weights; above it, it mostly draws the input.
DEPENDS_ON_WEIGHTS_BELOW = 0.5


def usable_methods(model: nn.Module) -> list[str]:
    """The methods that can explain `model`, in the order a page offers them: Grad-CAM and HiResCAM
    only where it has a 2-D convolution layer to look at."""
    has_conv = bool(conv_layer_names(model))
    return [name for name, method in METHODS.items() if has_conv or not method.needs_conv_layer]


def top_class(model: nn.Module, x: torch.Tensor) -> tuple[int, float]:
    """The class the model predicts for the first input of the batch `x`, and its probability."""
    _, probs = predict(model, x[:1])
    predicted = int(probs[0].argmax())
    return predicted, float(probs[0, predicted])


def attribute(
    model: nn.Module, x: torch.Tensor, target: int, methods: list[str], layer: str | None = None
) -> tuple[dict[str, torch.Tensor], list[str]]:
    """{method title: attribution of the first input of `x`} for each method that can explain this model,
    and, for each one that cannot, the message that says why."""
    maps, problems = {}, []
    for name in methods:
        try:
            maps[METHODS.get(name).title] = explain(name, model, x, target, layer=layer)[0]
        except DlcoreError as err:
            problems.append(err.message)
    return maps, problems


@dataclass(frozen=True)
class Bars:
    """Attributions of an input that is not an image, as one bar per label for each method."""

    values: dict[str, torch.Tensor]  # method title -> (len(labels),)
    labels: list[str]
    axis_title: str


def as_bars(dataset: Dataset, x: torch.Tensor, maps: dict[str, torch.Tensor]) -> Bars:
    """What each bar stands for: a token of a token sequence, a time step of an (L, F) sequence (its
    features summed), else a feature of a table row. `x` is the batch the maps explain (its first input)."""
    if dataset.vocab_size is not None:
        return Bars(maps, [f"{i}: {int(t)}" for i, t in enumerate(x[0])], "position: token")
    shape = tuple(dataset.input_shape)
    if len(shape) == 2:
        per_step = {title: values.sum(dim=-1) for title, values in maps.items()}
        return Bars(per_step, [f"t{i}" for i in range(shape[0])], "time step")
    size = next(iter(maps.values())).numel() if maps else 0
    return Bars(maps, list(dataset.feature_names) or [f"x{i}" for i in range(size)], "feature")


def sanity_input(
    dataset: Dataset, x: torch.Tensor | None = None, raw: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The input the sanity check explains, and its picture for image data: the one given, else the
    first test example."""
    if x is None:
        x, raw = dataset.test[0][:1], None
    if raw is None and dataset.family == "images":
        raw = dataset.denormalize(x)[0]
    return x, raw


def sanity_stages(method: str, model: nn.Module, x: torch.Tensor) -> list[dict]:
    """dlcore.explain.randomisation_check of the predicted class of `x`'s first input, each stage's
    attribution that of this one input."""
    predicted, _ = top_class(model, x)
    stages = randomisation_check(method, model, x[:1], predicted)
    return [dict(stage, attribution=stage["attribution"][0]) for stage in stages]


def sanity_verdict(stages: list[dict]) -> tuple[float, bool]:
    """The similarity of the fully randomised model's map to the trained one's (to two decimals, never
    -0.0) and whether the map depends on the weights."""
    final = round(stages[-1]["similarity"], 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return final, final < DEPENDS_ON_WEIGHTS_BELOW


def cue_shares(maps: dict[str, torch.Tensor], region: torch.Tensor) -> dict[str, float]:
    """{method title: share of its map's magnitude on the cue's pixels}: where a cheating model looks."""
    return {title: attribution_mass(values, region) for title, values in maps.items()}
