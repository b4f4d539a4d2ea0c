"""Convolutions: Conv2d, Conv1d and ConvTranspose2d."""

from __future__ import annotations

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import (
    BIAS,
    INIT_PARAMS,
    conv_out,
    need_image,
    need_signal,
    non_default,
    one_dimensional,
    pair,
    product,
    torch_size,
)
from dlcore.params import Param

CONV_PARAMS = (
    Param("out_channels", "int", None, "How many filters (feature maps) this layer learns.", min=1, max=1024),
    Param("kernel_size", "ints", None, "Size of each filter's window, e.g. 3 for 3×3.", min=1, max=15),
    Param("stride", "ints", 1, "Step between windows; 2 halves the width and height.", min=1, max=8),
    Param(
        "padding", "ints", 0, "Zeros added around the border; kernel_size // 2 keeps the size.", min=0, max=8
    ),
    BIAS,
    *INIT_PARAMS,
)


def _conv2d_shape(s: Shape, a: dict, what: str = "Conv2d") -> Shape:
    need_image(s, what)
    (kh, kw), (sh, sw), (ph, pw) = pair(a["kernel_size"]), pair(a["stride"]), pair(a["padding"])
    h = conv_out(s[1], kh, sh, ph, "height", what)
    w = conv_out(s[2], kw, sw, pw, "width", what)
    return (a["out_channels"], h, w)


def _conv_kwargs(a: dict, extra: dict | None = None) -> dict:
    out = {"kernel_size": torch_size(a["kernel_size"])}
    out.update(
        {k: torch_size(v) for k, v in non_default(a, {"stride": 1, "padding": 0, **(extra or {})}).items()}
    )
    out.update(non_default(a, {"bias": True}))
    return out


add(
    name="Conv2d",
    category="convolution",
    help="Slides small learned filters over an image; each filter makes one feature map.",
    params=CONV_PARAMS,
    shape=_conv2d_shape,
    infer=lambda s, a: {"in_channels": s[0]},
    ctor=lambda a: Ctor("nn.Conv2d", (a["in_channels"], a["out_channels"]), _conv_kwargs(a)),
    macs=lambda i, o, a: product(o) * a["in_channels"] * product(pair(a["kernel_size"])),
    has_weights=True,
    example={"out_channels": 8, "kernel_size": 3, "padding": 1},
)


def _conv1d_shape(s: Shape, a: dict) -> Shape:
    need_signal(s, "Conv1d")
    k, st, p = a["kernel_size"], a["stride"], a["padding"]
    return (a["out_channels"], conv_out(s[1], k, st, p, "length", "Conv1d"))


add(
    name="Conv1d",
    category="convolution",
    help="Slides learned filters along a signal (channels, length); put Transpose before it on sequences.",
    params=one_dimensional(CONV_PARAMS),
    shape=_conv1d_shape,
    infer=lambda s, a: {"in_channels": s[0]},
    ctor=lambda a: Ctor("nn.Conv1d", (a["in_channels"], a["out_channels"]), _conv_kwargs(a)),
    macs=lambda i, o, a: product(o) * a["in_channels"] * a["kernel_size"],
    has_weights=True,
    example={"out_channels": 8, "kernel_size": 3, "padding": 1},
)


def _conv_transpose_shape(s: Shape, a: dict) -> Shape:
    need_image(s, "ConvTranspose2d")
    out = [a["out_channels"]]
    for size, k, st, p, op in zip(
        s[1:],
        pair(a["kernel_size"]),
        pair(a["stride"]),
        pair(a["padding"]),
        pair(a["output_padding"]),
        strict=False,
    ):
        if op >= st:
            raise ShapeError(
                f"output_padding {op} must be smaller than the stride {st}: lower output_padding",
                field="output_padding",
            )
        new = (size - 1) * st - 2 * p + k + op
        if new < 1:
            raise ShapeError(f"padding {p} leaves nothing of the output: lower padding", field="padding")
        out.append(new)
    return tuple(out)


add(
    name="ConvTranspose2d",
    category="convolution",
    help="The reverse of a strided convolution: learns to upsample, e.g. stride 2 doubles width and height.",
    params=(
        *CONV_PARAMS[:4],
        Param(
            "output_padding", "ints", 0, "Extra rows/columns added to one side of the output.", min=0, max=7
        ),
        BIAS,
        *INIT_PARAMS,
    ),
    shape=_conv_transpose_shape,
    infer=lambda s, a: {"in_channels": s[0]},
    ctor=lambda a: Ctor(
        "nn.ConvTranspose2d", (a["in_channels"], a["out_channels"]), _conv_kwargs(a, {"output_padding": 0})
    ),
    macs=lambda i, o, a: product(i) * a["out_channels"] * product(pair(a["kernel_size"])),
    has_weights=True,
    example={"out_channels": 8, "kernel_size": 2, "stride": 2},
)
