"""Reshaping layers: Flatten, Unflatten, Reshape, Transpose and Upsample (nothing to learn)."""

from __future__ import annotations

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import describe, need_image, non_default, product
from dlcore.params import Param

add(
    name="Flatten",
    category="reshape",
    help="Unrolls each example into one long vector, e.g. an 8×7×7 feature map into 392 features.",
    shape=lambda s, a: (product(s),),
    ctor=lambda a: Ctor("nn.Flatten"),
)


def _unflatten_shape(s: Shape, a: dict) -> Shape:
    size = a["unflattened_size"]
    if len(s) != 1:
        raise ShapeError(
            f"Unflatten needs a vector but gets {describe(s)}: use Reshape instead", field="unflattened_size"
        )
    if product(size) != s[0]:
        raise ShapeError(
            f"{list(size)} holds {product(size)} values but the input has {s[0]}: pick sizes whose product "
            f"is {s[0]}",
            field="unflattened_size",
        )
    return tuple(size)


add(
    name="Unflatten",
    category="reshape",
    help="Turns a vector back into a shape, e.g. 784 features into a 1×28×28 image.",
    params=(
        Param(
            "unflattened_size",
            "intlist",
            None,
            "The new shape without the batch, e.g. [1, 28, 28].",
            min=1,
            max=100000,
        ),
    ),
    shape=_unflatten_shape,
    ctor=lambda a: Ctor("nn.Unflatten", (1, tuple(a["unflattened_size"]))),
    example={"unflattened_size": [1, 28, 28]},
)


def _reshape_shape(s: Shape, a: dict) -> Shape:
    shape, total = list(a["shape"]), product(s)
    if 0 in shape or sum(1 for v in shape if v == -1) > 1:
        raise ShapeError("sizes must be positive, with at most one -1 ('whatever is left')", field="shape")
    known = product(v for v in shape if v != -1)
    if -1 in shape:
        if total % known:
            raise ShapeError(
                f"{total} values cannot be split into {shape}: {known} does not divide {total}", field="shape"
            )
        shape[shape.index(-1)] = total // known
    elif known != total:
        raise ShapeError(
            f"{shape} holds {known} values but the input {s} has {total}: pick sizes multiplying to {total}",
            field="shape",
        )
    return tuple(shape)


add(
    name="Reshape",
    category="reshape",
    help="Rearranges each example's values into a new shape (same number of values); one size may be -1.",
    params=(
        Param(
            "shape",
            "intlist",
            None,
            "The new shape without the batch, e.g. [28, 28]; -1 = the rest.",
            min=-1,
            max=100000,
        ),
    ),
    shape=_reshape_shape,
    ctor=lambda a: Ctor("Reshape", (tuple(a["shape"]),)),
    forward_code=lambda a: [f"x = x.reshape(x.shape[0], {', '.join(str(v) for v in a['shape'])})"],
    inline=True,
    example={"shape": [-1]},
)


def _transpose_shape(s: Shape, a: dict) -> Shape:
    if len(s) != 2:
        raise ShapeError(f"Transpose swaps the two axes of a sequence or signal, but gets {describe(s)}")
    return (s[1], s[0])


add(
    name="Transpose",
    category="reshape",
    help="Swaps (steps, features) and (channels, length), e.g. to run Conv1d over a sequence.",
    shape=_transpose_shape,
    ctor=lambda a: Ctor("Transpose"),
    forward_code=lambda a: ["x = x.transpose(1, 2)"],
    inline=True,
)


def _upsample_shape(s: Shape, a: dict) -> Shape:
    need_image(s, "Upsample")
    return (s[0], s[1] * a["scale_factor"], s[2] * a["scale_factor"])


add(
    name="Upsample",
    category="reshape",
    help="Enlarges feature maps by repeating (nearest) or blending (bilinear) pixels; nothing to learn.",
    params=(
        Param("scale_factor", "int", 2, "How many times larger width and height become.", min=1, max=8),
        Param("mode", "choice", "nearest", "How new pixels are filled in.", choices=("nearest", "bilinear")),
    ),
    shape=_upsample_shape,
    ctor=lambda a: Ctor(
        "nn.Upsample", (), {"scale_factor": float(a["scale_factor"]), **non_default(a, {"mode": "nearest"})}
    ),
    example={"scale_factor": 2},
)
