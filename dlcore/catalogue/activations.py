"""Activations: element-wise non-linearities, softmax and log-softmax."""

from __future__ import annotations

from collections.abc import Callable

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import describe, non_default
from dlcore.params import Param

for _name, _help, _params in (
    ("ReLU", "Keeps positives and zeroes negatives, max(0, x): the default choice.", ()),
    (
        "LeakyReLU",
        "Like ReLU but lets a small slope through for negatives, so units never go fully dead.",
        (Param("negative_slope", "float", 0.01, "Slope for negative inputs.", min=0.0, max=1.0),),
    ),
    (
        "ELU",
        "Smooth ReLU that bends to -alpha for negatives.",
        (Param("alpha", "float", 1.0, "Value negative inputs approach.", min=0.0, max=10.0),),
    ),
    ("GELU", "Smooth ReLU used in transformers: weighs each input by how likely it is to be positive.", ()),
    ("SiLU", "Smooth, slightly non-monotonic x · sigmoid(x) (also called Swish).", ()),
    ("Sigmoid", "Squashes to (0, 1); its gradient vanishes for large inputs.", ()),
    ("Tanh", "Squashes to (-1, 1), centred on zero.", ()),
    ("Identity", "Passes its input through unchanged (a placeholder, or 'no activation').", ()),
):
    add(
        name=_name,
        category="activation",
        help=_help,
        params=_params,
        ctor=lambda a, _cls=f"nn.{_name}", _params=_params: Ctor(
            _cls, (), non_default(a, {p.name: p.default for p in _params})
        ),
    )


def _softmax_shape(what: str) -> Callable[[Shape, dict], Shape]:
    def rule(s: Shape, a: dict) -> Shape:
        dim, rank = a["dim"], len(s) + 1  # PyTorch counts the batch as dim 0
        if not -rank <= dim < rank:
            raise ShapeError(
                f"dim {dim} does not exist for {describe(s)}: use -1 (the last axis)", field="dim"
            )
        if dim % rank == 0:
            raise ShapeError(
                f"dim {dim} is the batch axis: {what} across examples mixes them up; use -1", field="dim"
            )
        return s

    return rule


for _name, _help in (
    (
        "Softmax",
        "Turns scores into probabilities that sum to 1 along dim. Leave it out before cross_entropy.",
    ),
    ("LogSoftmax", "Log-probabilities, log(softmax(x)): what the nll loss expects."),
):
    add(
        name=_name,
        category="activation",
        help=_help,
        params=(
            Param(
                "dim",
                "int",
                -1,
                "Axis that sums to 1 (PyTorch numbering: 0 is the batch; -1 the last).",
                min=-4,
                max=4,
            ),
        ),
        shape=_softmax_shape(_name),
        ctor=lambda a, _cls=f"nn.{_name}": Ctor(_cls, (), {"dim": a["dim"]}),
    )
