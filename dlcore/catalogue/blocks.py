"""Blocks: layers that hold layers (their shapes are worked out by the resolver in dlcore.plan)."""

from __future__ import annotations

from dlcore.catalogue.entry import add
from dlcore.catalogue.shared import INIT_PARAMS

add(
    name="Residual",
    category="blocks",
    help="Adds the block's input to its output (a skip connection), so deep networks train easily. If the "
    "layers inside change the shape, a learned projection (1×1 convolution for images, Linear otherwise) "
    "brings the input to the same shape.",
    params=INIT_PARAMS,
    block=True,
    example={"layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]},
)
add(
    name="Sequential",
    category="blocks",
    help="A named group of layers run in order, e.g. one 'stage' of a network.",
    params=INIT_PARAMS,
    block=True,
    example={"layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]},
)
