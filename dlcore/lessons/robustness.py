"""Measures for the lessons on architectures and trust: what a class's examples get (precision, recall),
how far one unit of a CNN sees (receptive field), what survives a moved picture or an attack, and where an
attribution map puts its weight (and whether it depends on the weights at all).

Each is registered with `register_measure`, so a claim and a student's challenge read them by name:
{"run": "plain", "measure": "recall", "of": "rare"}. Everything is measured on the run's test split,
except `cue_share`, which reads training images (where the spurious mark gives the class away).
"""

from __future__ import annotations

import torch
from torch import nn

from dlcore.adversarial import InputSpace, accuracy_under_attack
from dlcore.data.catalogue import load
from dlcore.data.dataset import Dataset
from dlcore.errors import DlcoreError, excerpt
from dlcore.explain import METHODS, attribution_mass, explain, randomisation_check
from dlcore.inspect import leaf_layers, predict
from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import RunResult
from dlcore.metrics import classification_report

ATTACKED_EXAMPLES = 500  # test examples attacked: as on the Adversarial page's curve


def _class_index(result: RunResult, of: int | str) -> int:
    names = list(result.dataset.class_names)
    if isinstance(of, str) and of in names:
        return names.index(of)
    if isinstance(of, int) and not isinstance(of, bool) and 0 <= of < len(names):
        return of
    raise DlcoreError(f"{excerpt(of)} is not a class of {result.dataset.name} ({', '.join(names)})")


def _test_scores(result: RunResult, score: str, of: int | str) -> float:
    x, y = result.dataset.test
    report = classification_report(predict(result.model, x)[0], y, result.dataset.class_names)
    return float(report["per_class"][score][_class_index(result, of)])


@register_measure(
    "recall", "the share of the test examples of one class found as that class (args: of, a class)"
)
def _recall(result: RunResult, of: int | str) -> float:
    return _test_scores(result, "recall", of)


@register_measure(
    "precision", "the share of the test examples called one class that really are it (args: of, a class)"
)
def _precision(result: RunResult, of: int | str) -> float:
    return _test_scores(result, "precision", of)


def _images(result: RunResult) -> None:
    if result.dataset.family != "images":
        raise DlcoreError(
            f"this measure needs pictures, and {result.dataset.name} is {result.dataset.family}"
        )


def shift_images(dataset, x: torch.Tensor, pixels: int) -> torch.Tensor:
    """Images x (N, C, H, W) as the model sees them, moved `pixels` right and down: what leaves the frame is
    lost, what comes in is black (raw 0), as if the camera had moved."""
    raw = dataset.denormalize(x)
    moved = torch.zeros_like(raw)
    height, width = raw.shape[-2:]
    moved[..., pixels:, pixels:] = raw[..., : height - pixels, : width - pixels]
    return dataset.normalize(moved)


@register_measure(
    "shifted_accuracy",
    "the test accuracy when every test picture is moved a few pixels right and down (args: pixels)",
)
def _shifted_accuracy(result: RunResult, pixels: int) -> float:
    _images(result)
    x, y = result.dataset.test
    if not isinstance(pixels, int) or not 0 <= pixels < min(x.shape[-2:]):
        raise DlcoreError(
            f"pixels must be a whole number from 0 to below the image size, not {excerpt(pixels)}"
        )
    moved = shift_images(result.dataset, x, pixels)
    return float((predict(result.model, moved)[0] == y).float().mean())


def receptive_field(model: nn.Module, image_size: int) -> int:
    """How many pixels wide the patch of the input is that one unit of the model's last convolution or
    pooling layer sees, for a plain stack of layers (each window adds (kernel - 1) × the stride so far;
    global pooling sees the whole picture)."""
    size, stride = 1, 1
    for _, layer in leaf_layers(model):
        if isinstance(layer, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
            return image_size
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d | nn.AvgPool2d):
            kernel, step, dilation = (
                _first(getattr(layer, name, 1)) for name in ("kernel_size", "stride", "dilation")
            )
            size += (kernel - 1) * dilation * stride
            stride *= step
    return min(size, image_size)


def _first(value) -> int:
    return int(value[0] if isinstance(value, tuple) else value)


@register_measure(
    "receptive_field",
    "how many pixels wide the patch is that one unit of the last convolution or pooling sees",
)
def _receptive_field(result: RunResult) -> float:
    _images(result)
    return float(receptive_field(result.model, int(result.dataset.input_shape[-1])))


@register_measure(
    "attacked_accuracy",
    "the test accuracy when every test input is attacked (args: epsilon, a share of the pixel range; "
    "attack, fgsm or pgd)",
)
def _attacked_accuracy(result: RunResult, epsilon: float, attack: str = "fgsm") -> float:
    x, y = (part[:ATTACKED_EXAMPLES] for part in result.dataset.test)
    space = InputSpace.for_dataset(result.dataset)
    frame = accuracy_under_attack(result.model, x, y, [float(epsilon)], attack, space)
    return float(frame["accuracy"].iloc[0])


def _method(method: str) -> str:
    METHODS.get(method)  # an unknown method: "did you mean ...?"
    return method


def marked(dataset) -> Dataset:
    """The dataset with its spurious mark: itself, or the same images with the mark added (same seed)."""
    if dataset.cue_region is not None:
        return dataset
    if "spurious_cue" not in dataset.options:
        raise DlcoreError(f"{dataset.name} has no spurious mark to look for: use the shapes")
    return load(dataset.name, **dict(dataset.options, spurious_cue=True))


@register_measure(
    "cue_share",
    "the mean share of an attribution map on the spurious mark's pixels, over training images with the "
    "mark (the same images for a model trained without it; args: method, images)",
)
def _cue_share(result: RunResult, method: str = "saliency", images: int = 32) -> float:
    data = marked(result.dataset)
    x, y = (part[:images] for part in data.train)
    maps = explain(_method(method), result.model, x, y)
    return sum(attribution_mass(m, data.cue_region) for m in maps) / len(maps)


@register_measure(
    "sanity_similarity",
    "how alike an attribution map stays when every layer's weights are made random (rank correlation, 1 = "
    "the same; mean over test examples; args: method, images)",
)
def _sanity_similarity(result: RunResult, method: str = "saliency", images: int = 4) -> float:
    x = result.dataset.test[0][:images]
    predicted = predict(result.model, x)[0]
    finals = [
        randomisation_check(_method(method), result.model, x[i : i + 1], int(predicted[i]))[-1]["similarity"]
        for i in range(len(x))
    ]
    return sum(finals) / len(finals)
