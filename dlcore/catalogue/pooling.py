"""Pooling: max and average windows in 1-D and 2-D, and adaptive average pooling."""

from __future__ import annotations

from collections.abc import Callable

from dlcore.catalogue.entry import Ctor, Shape, add
from dlcore.catalogue.shared import (
    check_padding,
    conv_out,
    need_image,
    need_signal,
    non_default,
    one_dimensional,
    pair,
    torch_size,
)
from dlcore.params import Param

POOL_PARAMS = (
    Param(
        "kernel_size",
        "ints",
        None,
        "Size of the window summarised into one number, e.g. 2 for 2×2.",
        min=1,
        max=16,
    ),
    Param(
        "stride",
        "ints",
        None,
        "Step between windows; empty = the kernel size (windows don't overlap).",
        min=1,
        max=16,
        optional=True,
    ),
    Param("padding", "ints", 0, "Border added before pooling (at most half the kernel size).", min=0, max=8),
)


def _pool_shape(what: str) -> Callable[[Shape, dict], Shape]:
    one_d = what.endswith("1d")

    def rule(s: Shape, a: dict) -> Shape:
        (need_signal if one_d else need_image)(s, what)
        check_padding(a, what)
        stride = pair(a["stride"] if a["stride"] is not None else a["kernel_size"])
        axes = ("length",) if one_d else ("height", "width")
        sizes = [
            conv_out(size, k, st, p, axis, what)
            for size, k, st, p, axis in zip(
                s[1:], pair(a["kernel_size"]), stride, pair(a["padding"]), axes, strict=False
            )
        ]
        return (s[0], *sizes)

    return rule


def _pool_ctor(cls: str) -> Callable[[dict], Ctor]:
    def ctor(a: dict) -> Ctor:
        kwargs = {k: torch_size(v) for k, v in non_default(a, {"stride": None, "padding": 0}).items()}
        return Ctor(cls, (torch_size(a["kernel_size"]),), kwargs)

    return ctor


add(
    name="MaxPool2d",
    category="pooling",
    help="Keeps the largest value in each window: shrinks feature maps and keeps the strongest signals.",
    params=POOL_PARAMS,
    shape=_pool_shape("MaxPool2d"),
    ctor=_pool_ctor("nn.MaxPool2d"),
    example={"kernel_size": 2},
)
add(
    name="AvgPool2d",
    category="pooling",
    help="Averages each window: shrinks feature maps smoothly.",
    params=POOL_PARAMS,
    shape=_pool_shape("AvgPool2d"),
    ctor=_pool_ctor("nn.AvgPool2d"),
    example={"kernel_size": 2},
)


for _name, _help in (
    (
        "MaxPool1d",
        "Keeps the largest value in each window along a signal: shortens it, keeping strong responses.",
    ),
    ("AvgPool1d", "Averages each window along a signal: shortens it smoothly."),
):
    add(
        name=_name,
        category="pooling",
        help=_help,
        params=one_dimensional(POOL_PARAMS),
        shape=_pool_shape(_name),
        ctor=_pool_ctor(f"nn.{_name}"),
        example={"kernel_size": 2},
    )


def _adaptive_shape(s: Shape, a: dict) -> Shape:
    need_image(s, "AdaptiveAvgPool2d")
    return (s[0], *pair(a["output_size"]))


add(
    name="AdaptiveAvgPool2d",
    category="pooling",
    help="Averages each feature map down to a fixed size whatever the input size (1 = one number per map).",
    params=(Param("output_size", "ints", 1, "Height and width of the output, e.g. 1.", min=1, max=64),),
    shape=_adaptive_shape,
    ctor=lambda a: Ctor("nn.AdaptiveAvgPool2d", (torch_size(a["output_size"]),)),
    example={"output_size": 1},
)
