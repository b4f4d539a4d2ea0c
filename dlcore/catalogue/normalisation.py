"""Normalisation (batch and layer norm) and regularisation (dropout)."""

from __future__ import annotations

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import describe, need_features, need_image, non_default, product, same_shape_if
from dlcore.params import Param


def _batchnorm1d_shape(s: Shape, a: dict) -> Shape:
    if len(s) not in (1, 2):
        raise ShapeError(
            f"BatchNorm1d needs features or a (channels, length) signal, not {describe(s)}: "
            "use BatchNorm2d for images"
        )
    return s


add(
    name="BatchNorm1d",
    category="normalisation",
    help="Rescales each feature to mean 0 and variance 1 over the batch, then learns a scale and shift.",
    shape=_batchnorm1d_shape,
    infer=lambda s, a: {"num_features": s[0]},
    ctor=lambda a: Ctor("nn.BatchNorm1d", (a["num_features"],)),
    macs=lambda i, o, a: product(o),
)
add(
    name="BatchNorm2d",
    category="normalisation",
    help="Normalises each channel over the batch and the image, then learns a scale and shift.",
    shape=same_shape_if(need_image, "BatchNorm2d"),
    infer=lambda s, a: {"num_features": s[0]},
    ctor=lambda a: Ctor("nn.BatchNorm2d", (a["num_features"],)),
    macs=lambda i, o, a: product(o),
)
add(
    name="LayerNorm",
    category="normalisation",
    help="Normalises the features of each example (each step of a sequence) on its own, as transformers do.",
    shape=same_shape_if(need_features, "LayerNorm"),
    infer=lambda s, a: {"normalized_shape": s[-1]},
    ctor=lambda a: Ctor("nn.LayerNorm", (a["normalized_shape"],)),
    macs=lambda i, o, a: product(o),
)
add(
    name="Dropout",
    category="regularisation",
    help="While training, zeroes each value with probability p so the network cannot rely on any one unit.",
    params=(
        Param("p", "float", 0.5, "Probability of zeroing each value while training.", min=0.0, max=0.95),
    ),
    ctor=lambda a: Ctor("nn.Dropout", (), non_default(a, {"p": 0.5})),
    example={"p": 0.5},
)
add(
    name="Dropout2d",
    category="regularisation",
    help="While training, zeroes whole feature maps with probability p.",
    params=(
        Param(
            "p", "float", 0.5, "Probability of zeroing each feature map while training.", min=0.0, max=0.95
        ),
    ),
    shape=same_shape_if(need_image, "Dropout2d"),
    ctor=lambda a: Ctor("nn.Dropout2d", (), non_default(a, {"p": 0.5})),
    example={"p": 0.25},
)
