"""What several layer families share: the init and bias parameters, shape checks that name the fix,
sliding-window sizes and how PyTorch spells arguments in exported code."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from dlcore.catalogue.entry import Shape, ShapeError
from dlcore.optim import INITIALISERS
from dlcore.params import Param

INIT_PARAMS = (
    Param(
        "init",
        "choice",
        None,
        "How this layer's weights start; empty = the model's choice.",
        choices=tuple(INITIALISERS.names()),
        optional=True,
    ),
    Param(
        "init_std",
        "float",
        None,
        "Standard deviation for the 'normal' init; empty = the model's.",
        min=0.0,
        max=10.0,
        optional=True,
    ),
)
BIAS = Param("bias", "bool", True, "Add a learned offset to every output.")


def pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, tuple) else (value, value)


def product(values) -> int:
    return math.prod(values)


def describe(shape: Shape) -> str:
    if len(shape) == 1:
        return f"a vector of {shape[0]} features"
    if len(shape) == 2:
        return f"a sequence of {shape[0]} steps × {shape[1]} features"
    if len(shape) == 3:
        return f"an image of {shape[0]} channel(s) × {shape[1]}×{shape[2]}"
    return f"a tensor of shape {shape}"


def _square_side(n: int) -> int | None:
    side = math.isqrt(n)
    return side if side * side == n else None


def need_image(shape: Shape, what: str) -> None:
    """Raise ShapeError with a fix unless `shape` is (C, H, W)."""
    if len(shape) == 3:
        return
    if len(shape) == 1:
        side = _square_side(shape[0])
        hint = f"[1, {side}, {side}]" if side else "[channels, height, width]"
        fix = f"add an Unflatten (unflattened_size {hint}) before it, or use Linear layers instead"
    else:
        fix = f"add a Reshape to [1, {shape[0]}, {shape[1]}] before it (one channel)"
    raise ShapeError(f"{what} needs an image (channels, height, width) but gets {describe(shape)}: {fix}")


def need_sequence(shape: Shape, what: str) -> None:
    """Raise ShapeError with a fix unless `shape` is (L, F)."""
    if len(shape) == 2:
        return
    if len(shape) == 1:
        fix = f"add a Reshape to [{shape[0]}, 1] before it ({shape[0]} steps of one feature each)"
    elif len(shape) == 3:
        c, h, w = shape
        fix = f"add a Reshape to [{h}, {c * w}] before it (each image row becomes one step)"
    else:
        fix = "add a Reshape to [steps, features] before it"
    raise ShapeError(f"{what} needs a sequence (steps, features) but gets {describe(shape)}: {fix}")


def need_features(shape: Shape, what: str) -> None:
    """Vectors (F,) or per-step features (L, F); an image needs flattening first."""
    if len(shape) in (1, 2):
        return
    fix = f"add a Flatten before it (it turns the image into {product(shape)} features)"
    if what == "LayerNorm":
        fix = "use BatchNorm2d for images, or add a Flatten before it"
    raise ShapeError(f"{what} needs a vector of features but gets {describe(shape)}: {fix}")


def same_shape_if(check: Callable[[Shape, str], None], what: str) -> Callable[[Shape, dict], Shape]:
    """A shape rule for layers that keep the shape of the inputs `check` accepts."""

    def rule(shape: Shape, a: dict) -> Shape:
        check(shape, what)
        return shape

    return rule


def conv_out(size: int, k: int, s: int, p: int, axis: str, what: str) -> int:
    """Output size of a sliding window along one axis; the window must fit in the padded input."""
    if k > size + 2 * p:
        raise ShapeError(
            f"the window of {what} (kernel_size {k}) is larger than its input {axis} of {size} "
            f"(with padding {p}): use kernel_size at most {size + 2 * p}, or add padding",
            field="kernel_size",
        )
    return (size + 2 * p - k) // s + 1


def check_padding(a: dict, what: str) -> None:
    for k, p in zip(pair(a["kernel_size"]), pair(a["padding"]), strict=True):
        if p > k // 2:
            raise ShapeError(
                f"{what} padding {p} is more than half the kernel size {k}: use padding at most {k // 2}",
                field="padding",
            )


def non_default(a: dict, defaults: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments that differ from PyTorch's defaults (keeps exported code short)."""
    return {k: a[k] for k, default in defaults.items() if a[k] != default}


def torch_size(value):
    """A size as PyTorch spells it: 3 rather than (3, 3)."""
    if isinstance(value, tuple) and len(set(value)) == 1:
        return value[0]
    return value


def need_signal(shape: Shape, what: str) -> None:
    """Raise ShapeError with a fix unless `shape` is (C, L), what Conv1d and 1-D pooling take."""
    if len(shape) == 2:
        return
    fix = (
        f"add a Reshape to [1, {shape[0]}] before it (one channel)"
        if len(shape) == 1
        else "use the 2-D layers"
    )
    raise ShapeError(f"{what} needs a signal (channels, length) but gets {describe(shape)}: {fix}")


def one_dimensional(params: tuple[Param, ...]) -> tuple[Param, ...]:
    """The 1-D version of 2-D window params: one number instead of one or two."""
    return tuple(
        Param(
            p.name,
            "int",
            p.default,
            p.help.replace("3×3", "3 steps").replace("2×2", "2 steps").replace(" and height", ""),
            min=p.min,
            max=p.max,
            optional=p.optional,
        )
        if p.kind == "ints"
        else p
        for p in params
    )
