"""Dense layers: Linear and Embedding."""

from __future__ import annotations

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import BIAS, INIT_PARAMS, describe, need_features, non_default, product
from dlcore.params import Param


def _linear_shape(s: Shape, a: dict) -> Shape:
    need_features(s, "Linear")
    return s[:-1] + (a["out_features"],)  # applied per step on sequences


add(
    name="Linear",
    category="dense",
    help="Every output is a weighted sum of all inputs plus a bias: the basic learned layer.",
    params=(
        Param("out_features", "int", None, "How many numbers this layer outputs.", min=1, max=8192),
        BIAS,
        *INIT_PARAMS,
    ),
    shape=_linear_shape,
    infer=lambda s, a: {"in_features": s[-1]},
    ctor=lambda a: Ctor("nn.Linear", (a["in_features"], a["out_features"]), non_default(a, {"bias": True})),
    macs=lambda i, o, a: product(o) * a["in_features"],
    has_weights=True,
    example={"out_features": 16},
)


def _embedding_shape(s: Shape, a: dict) -> Shape:
    if len(s) != 1:
        raise ShapeError(
            f"Embedding reads a list of token ids (steps,) but gets {describe(s)}: "
            "set the model's input_shape to [sequence_length]"
        )
    return (s[0], a["embedding_dim"])


add(
    name="Embedding",
    category="dense",
    help="Looks up a learned vector for each token id; it must be the first layer and takes whole numbers.",
    params=(
        Param(
            "num_embeddings",
            "int",
            None,
            "Vocabulary size: token ids run from 0 to this minus 1.",
            min=1,
            max=100000,
        ),
        Param("embedding_dim", "int", None, "Length of the vector learned for each token.", min=1, max=4096),
        *INIT_PARAMS,
    ),
    shape=_embedding_shape,
    ctor=lambda a: Ctor("nn.Embedding", (a["num_embeddings"], a["embedding_dim"])),
    has_weights=True,
    example={"num_embeddings": 16, "embedding_dim": 32},
)
