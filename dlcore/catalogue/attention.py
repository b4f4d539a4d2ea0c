"""Attention: multi-head self-attention, the transformer encoder layer and positional encodings."""

from __future__ import annotations

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import BIAS, INIT_PARAMS, need_sequence, non_default
from dlcore.params import Param


def _heads_check(s: Shape, a: dict, what: str, heads_field: str) -> Shape:
    need_sequence(s, what)
    dim, heads = s[1], a[heads_field]
    if dim % heads:
        fits = [h for h in range(1, min(dim, 16) + 1) if dim % h == 0]
        raise ShapeError(
            f"the {dim} features must split evenly across {heads} heads: use {heads_field} "
            f"{' or '.join(str(h) for h in fits[-3:])}, or change the feature size",
            field=heads_field,
        )
    return s


def _attention_macs(length: int, dim: int) -> int:
    # q, k, v and output projections, then scores (L×L×E) and the weighted sum of values (L×L×E)
    return 4 * length * dim * dim + 2 * length * length * dim


CAUSAL = Param(
    "causal",
    "bool",
    False,
    "Each position looks only at itself and earlier positions, never ahead: what a language model "
    "needs, so it cannot read the answer it is about to write.",
)
# The exported code builds the same (L, L) mask dlcore.layers.causal_mask does.
_CAUSAL_MASK_LINE = (
    "mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], device=x.device)  # no peeking ahead"
)


def _self_attention_forward(a: dict) -> list[str]:
    if not a["causal"]:
        return ["x, _ = self.{name}(x, x, x)  # self-attention: queries = keys = values"]
    return [_CAUSAL_MASK_LINE, "x, _ = self.{name}(x, x, x, attn_mask=mask, is_causal=True)  # causal"]


def _encoder_layer_forward(a: dict) -> list[str]:
    if not a["causal"]:
        return ["x = self.{name}(x)"]
    return [_CAUSAL_MASK_LINE, "x = self.{name}(x, src_mask=mask, is_causal=True)"]


add(
    name="MultiheadSelfAttention",
    category="attention",
    help="Every position looks at every other and takes a weighted mix of them; heads look in parallel.",
    params=(
        Param("num_heads", "int", 1, "How many attention patterns are learned in parallel.", min=1, max=16),
        Param("dropout", "float", 0.0, "Randomly drops attention weights while training.", min=0.0, max=0.9),
        BIAS,
        CAUSAL,
        *INIT_PARAMS,
    ),
    shape=lambda s, a: _heads_check(s, a, "MultiheadSelfAttention", "num_heads"),
    infer=lambda s, a: {"embed_dim": s[1]},
    ctor=lambda a: Ctor(
        "nn.MultiheadAttention",
        (a["embed_dim"], a["num_heads"]),
        {**non_default(a, {"dropout": 0.0, "bias": True}), "batch_first": True},
        module="MultiheadSelfAttention",
        build_kwargs=non_default(a, {"causal": False}),
    ),
    macs=lambda i, o, a: _attention_macs(i[0], i[1]),
    forward_code=_self_attention_forward,
    has_weights=True,
    example={"num_heads": 1},
)

add(
    name="TransformerEncoderLayer",
    category="attention",
    help="Self-attention followed by a small per-position MLP, each with a skip connection and LayerNorm. "
    "After evaluation its attention weights can be inspected.",
    params=(
        Param("nhead", "int", 1, "How many attention heads; must divide the feature size.", min=1, max=16),
        Param(
            "dim_feedforward",
            "int",
            2048,
            "Width of the per-position MLP (often 4× the feature size).",
            min=1,
            max=8192,
        ),
        Param("dropout", "float", 0.1, "Dropout inside the layer while training.", min=0.0, max=0.9),
        Param("activation", "choice", "relu", "Activation inside the MLP.", choices=("relu", "gelu")),
        Param("norm_first", "bool", False, "Normalise before attention and MLP (more stable when deep)."),
        CAUSAL,
        *INIT_PARAMS,
    ),
    shape=lambda s, a: _heads_check(s, a, "TransformerEncoderLayer", "nhead"),
    infer=lambda s, a: {"d_model": s[1]},
    ctor=lambda a: Ctor(
        "nn.TransformerEncoderLayer",
        (a["d_model"], a["nhead"]),
        {
            **non_default(a, {"dim_feedforward": 2048, "dropout": 0.1, "activation": "relu"}),
            "batch_first": True,
            **non_default(a, {"norm_first": False}),
        },
        module="TransformerEncoderLayer",
        build_kwargs=non_default(a, {"causal": False}),
    ),
    macs=lambda i, o, a: _attention_macs(i[0], i[1]) + 2 * i[0] * i[1] * a["dim_feedforward"],
    forward_code=_encoder_layer_forward,
    has_weights=True,
    example={"nhead": 2, "dim_feedforward": 128, "dropout": 0.0},
)


def _positional_shape(s: Shape, a: dict) -> Shape:
    need_sequence(s, "PositionalEncoding")
    return s


add(
    name="PositionalEncoding",
    category="attention",
    help="Adds a code for each position to the sequence, so attention knows the order of the steps.",
    params=(
        Param(
            "kind",
            "choice",
            "learned",
            "'learned': a trainable table starting at zero; 'sinusoidal': fixed sine waves.",
            choices=("learned", "sinusoidal"),
        ),
    ),
    shape=_positional_shape,
    infer=lambda s, a: {"length": s[0], "dim": s[1]},
    ctor=lambda a: Ctor("PositionalEncoding", (a["length"], a["dim"]), non_default(a, {"kind": "learned"})),
    example={"kind": "learned"},
)
