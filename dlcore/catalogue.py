"""The layer catalogue: one entry per layer type, the single place that knows about it.

Each entry holds the layer's category, its parameters (type, default, range, one-sentence help for a
student), its shape rule (input shape -> output shape, without running anything), the sizes it infers
from the previous layer, its multiply-accumulate count and its constructor. The builder, the summary,
the code exporter and the app's forms all read from here.

Shapes never include the batch: images (C, H, W), vectors (F,), sequences (L, F), signals (C, L) for
Conv1d, token ids (L,).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dlcore.errors import SpecError
from dlcore.optim import INITIALISERS
from dlcore.params import Param
from dlcore.registry import Registry

Shape = tuple[int, ...]
CATEGORIES = (
    "dense",
    "convolution",
    "pooling",
    "recurrent",
    "attention",
    "normalisation",
    "regularisation",
    "activation",
    "reshape",
    "blocks",
)


class ShapeError(Exception):
    """A shape rule's complaint; the resolver adds the layer's position and type."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Ctor:
    """How to construct a layer: `cls(*args, **kwargs)` as written in exported code ("nn.Conv2d").

    `module` names a class in dlcore.layers used instead when building (same state dict), and
    `build_kwargs` are extra arguments only that class takes.
    """

    cls: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    module: str | None = None
    build_kwargs: dict[str, Any] = field(default_factory=dict)


def _same_shape(shape: Shape, a: dict) -> Shape:
    return shape


def _no_inference(shape: Shape, a: dict) -> dict:
    return {}


def _no_macs(inp: Shape, out: Shape, a: dict) -> int:
    return 0


@dataclass(frozen=True)
class LayerType:
    """A catalogue entry. Public: name, category, help, params and example_dict(); the rest are hooks."""

    name: str
    category: str
    help: str
    params: tuple[Param, ...] = ()
    shape: Callable[[Shape, dict], Shape] = _same_shape
    infer: Callable[[Shape, dict], dict] = _no_inference
    ctor: Callable[[dict], Ctor] | None = None  # None for blocks
    macs: Callable[[Shape, Shape, dict], int] = _no_macs
    # lines of the exported forward(); "{name}" is the submodule; None = "x = self.{name}(x)"
    forward_code: Callable[[dict], list[str]] | None = None
    inline: bool = False  # exported as a forward() line only (no submodule: nothing to learn)
    has_weights: bool = False  # takes init / init_std, and the initialiser applies to it
    block: bool = False
    example: dict[str, Any] = field(default_factory=dict)

    def example_dict(self) -> dict[str, Any]:
        """A sensible starting layer dict for this type (required parameters filled in); a fresh copy."""
        return {"type": self.name, **copy.deepcopy(self.example)}


LAYERS: Registry[LayerType] = Registry("layer type", SpecError)


def layer_catalogue() -> dict[str, LayerType]:
    """Every layer type by name (PyTorch's class names), in catalogue order."""
    return dict(LAYERS.items())


def _add(**kwargs) -> LayerType:
    entry = LayerType(**kwargs)
    assert entry.category in CATEGORIES, entry.category
    return LAYERS.register(entry.name, entry)


# ---------------------------------------------------------------- shared params and helpers

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


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, tuple) else (value, value)


def _prod(values) -> int:
    return math.prod(values)


def _describe(shape: Shape) -> str:
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
    raise ShapeError(f"{what} needs an image (channels, height, width) but gets {_describe(shape)}: {fix}")


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
    raise ShapeError(f"{what} needs a sequence (steps, features) but gets {_describe(shape)}: {fix}")


def need_features(shape: Shape, what: str) -> None:
    """Vectors (F,) or per-step features (L, F); an image needs flattening first."""
    if len(shape) in (1, 2):
        return
    fix = f"add a Flatten before it (it turns the image into {_prod(shape)} features)"
    if what == "LayerNorm":
        fix = "use BatchNorm2d for images, or add a Flatten before it"
    raise ShapeError(f"{what} needs a vector of features but gets {_describe(shape)}: {fix}")


def _same_shape_if(check: Callable[[Shape, str], None], what: str) -> Callable[[Shape, dict], Shape]:
    """A shape rule for layers that keep the shape of the inputs `check` accepts."""

    def rule(shape: Shape, a: dict) -> Shape:
        check(shape, what)
        return shape

    return rule


def _conv_out(size: int, k: int, s: int, p: int, axis: str, what: str) -> int:
    """Output size of a sliding window along one axis; the window must fit in the padded input."""
    if k > size + 2 * p:
        raise ShapeError(
            f"the window of {what} (kernel_size {k}) is larger than its input {axis} of {size} "
            f"(with padding {p}): use kernel_size at most {size + 2 * p}, or add padding",
            field="kernel_size",
        )
    return (size + 2 * p - k) // s + 1


def _check_padding(a: dict, what: str) -> None:
    for k, p in zip(_pair(a["kernel_size"]), _pair(a["padding"]), strict=True):
        if p > k // 2:
            raise ShapeError(
                f"{what} padding {p} is more than half the kernel size {k}: use padding at most {k // 2}",
                field="padding",
            )


def _kw(a: dict, defaults: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments that differ from PyTorch's defaults (keeps exported code short)."""
    return {k: a[k] for k, default in defaults.items() if a[k] != default}


def _size(value):
    """A size as PyTorch spells it: 3 rather than (3, 3)."""
    if isinstance(value, tuple) and len(set(value)) == 1:
        return value[0]
    return value


# ---------------------------------------------------------------- dense


def _linear_shape(s: Shape, a: dict) -> Shape:
    need_features(s, "Linear")
    return s[:-1] + (a["out_features"],)  # applied per step on sequences


_add(
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
    ctor=lambda a: Ctor("nn.Linear", (a["in_features"], a["out_features"]), _kw(a, {"bias": True})),
    macs=lambda i, o, a: _prod(o) * a["in_features"],
    has_weights=True,
    example={"out_features": 16},
)


def _embedding_shape(s: Shape, a: dict) -> Shape:
    if len(s) != 1:
        raise ShapeError(
            f"Embedding reads a list of token ids (steps,) but gets {_describe(s)}: "
            "set the model's input_shape to [sequence_length]"
        )
    return (s[0], a["embedding_dim"])


_add(
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


# ---------------------------------------------------------------- convolution

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
    (kh, kw), (sh, sw), (ph, pw) = _pair(a["kernel_size"]), _pair(a["stride"]), _pair(a["padding"])
    h = _conv_out(s[1], kh, sh, ph, "height", what)
    w = _conv_out(s[2], kw, sw, pw, "width", what)
    return (a["out_channels"], h, w)


def _conv_kwargs(a: dict, extra: dict | None = None) -> dict:
    out = {"kernel_size": _size(a["kernel_size"])}
    out.update({k: _size(v) for k, v in _kw(a, {"stride": 1, "padding": 0, **(extra or {})}).items()})
    out.update(_kw(a, {"bias": True}))
    return out


_add(
    name="Conv2d",
    category="convolution",
    help="Slides small learned filters over an image; each filter makes one feature map.",
    params=CONV_PARAMS,
    shape=_conv2d_shape,
    infer=lambda s, a: {"in_channels": s[0]},
    ctor=lambda a: Ctor("nn.Conv2d", (a["in_channels"], a["out_channels"]), _conv_kwargs(a)),
    macs=lambda i, o, a: _prod(o) * a["in_channels"] * _prod(_pair(a["kernel_size"])),
    has_weights=True,
    example={"out_channels": 8, "kernel_size": 3, "padding": 1},
)


def need_signal(shape: Shape, what: str) -> None:
    """Raise ShapeError with a fix unless `shape` is (C, L), what Conv1d and 1-D pooling take."""
    if len(shape) == 2:
        return
    fix = (
        f"add a Reshape to [1, {shape[0]}] before it (one channel)"
        if len(shape) == 1
        else "use the 2-D layers"
    )
    raise ShapeError(f"{what} needs a signal (channels, length) but gets {_describe(shape)}: {fix}")


def _one_d(params: tuple[Param, ...]) -> tuple[Param, ...]:
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


def _conv1d_shape(s: Shape, a: dict) -> Shape:
    need_signal(s, "Conv1d")
    k, st, p = a["kernel_size"], a["stride"], a["padding"]
    return (a["out_channels"], _conv_out(s[1], k, st, p, "length", "Conv1d"))


_add(
    name="Conv1d",
    category="convolution",
    help="Slides learned filters along a signal (channels, length); put Transpose before it on sequences.",
    params=_one_d(CONV_PARAMS),
    shape=_conv1d_shape,
    infer=lambda s, a: {"in_channels": s[0]},
    ctor=lambda a: Ctor("nn.Conv1d", (a["in_channels"], a["out_channels"]), _conv_kwargs(a)),
    macs=lambda i, o, a: _prod(o) * a["in_channels"] * a["kernel_size"],
    has_weights=True,
    example={"out_channels": 8, "kernel_size": 3, "padding": 1},
)


def _conv_transpose_shape(s: Shape, a: dict) -> Shape:
    need_image(s, "ConvTranspose2d")
    out = [a["out_channels"]]
    for size, k, st, p, op in zip(
        s[1:],
        _pair(a["kernel_size"]),
        _pair(a["stride"]),
        _pair(a["padding"]),
        _pair(a["output_padding"]),
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


_add(
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
    macs=lambda i, o, a: _prod(i) * a["out_channels"] * _prod(_pair(a["kernel_size"])),
    has_weights=True,
    example={"out_channels": 8, "kernel_size": 2, "stride": 2},
)


# ---------------------------------------------------------------- pooling

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
        _check_padding(a, what)
        stride = _pair(a["stride"] if a["stride"] is not None else a["kernel_size"])
        axes = ("length",) if one_d else ("height", "width")
        sizes = [
            _conv_out(size, k, st, p, axis, what)
            for size, k, st, p, axis in zip(
                s[1:], _pair(a["kernel_size"]), stride, _pair(a["padding"]), axes, strict=False
            )
        ]
        return (s[0], *sizes)

    return rule


def _pool_ctor(cls: str) -> Callable[[dict], Ctor]:
    def ctor(a: dict) -> Ctor:
        kwargs = {k: _size(v) for k, v in _kw(a, {"stride": None, "padding": 0}).items()}
        return Ctor(cls, (_size(a["kernel_size"]),), kwargs)

    return ctor


_add(
    name="MaxPool2d",
    category="pooling",
    help="Keeps the largest value in each window: shrinks feature maps and keeps the strongest signals.",
    params=POOL_PARAMS,
    shape=_pool_shape("MaxPool2d"),
    ctor=_pool_ctor("nn.MaxPool2d"),
    example={"kernel_size": 2},
)
_add(
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
    _add(
        name=_name,
        category="pooling",
        help=_help,
        params=_one_d(POOL_PARAMS),
        shape=_pool_shape(_name),
        ctor=_pool_ctor(f"nn.{_name}"),
        example={"kernel_size": 2},
    )


def _adaptive_shape(s: Shape, a: dict) -> Shape:
    need_image(s, "AdaptiveAvgPool2d")
    return (s[0], *_pair(a["output_size"]))


_add(
    name="AdaptiveAvgPool2d",
    category="pooling",
    help="Averages each feature map down to a fixed size whatever the input size (1 = one number per map).",
    params=(Param("output_size", "ints", 1, "Height and width of the output, e.g. 1.", min=1, max=64),),
    shape=_adaptive_shape,
    ctor=lambda a: Ctor("nn.AdaptiveAvgPool2d", (_size(a["output_size"]),)),
    example={"output_size": 1},
)


# ---------------------------------------------------------------- recurrent


def _recurrent_params(extra: tuple[Param, ...] = ()) -> tuple[Param, ...]:
    return (
        Param(
            "hidden_size",
            "int",
            None,
            "Size of the memory (hidden state) carried from step to step.",
            min=1,
            max=2048,
        ),
        Param(
            "num_layers",
            "int",
            1,
            "How many recurrent layers are stacked on top of each other.",
            min=1,
            max=8,
        ),
        Param("bidirectional", "bool", False, "Also read the sequence backwards; doubles the output size."),
        Param(
            "return_sequence",
            "bool",
            False,
            "Output every step (steps, hidden) instead of only the last step (hidden).",
        ),
        Param(
            "dropout",
            "float",
            0.0,
            "Dropout between stacked layers (needs num_layers ≥ 2).",
            min=0.0,
            max=0.9,
        ),
        *extra,
        BIAS,
        *INIT_PARAMS,
    )


def _recurrent_shape(what: str) -> Callable[[Shape, dict], Shape]:
    def rule(s: Shape, a: dict) -> Shape:
        need_sequence(s, what)
        if a["dropout"] > 0 and a["num_layers"] == 1:
            raise ShapeError(
                "dropout only acts between stacked layers: set num_layers to 2 or more, or dropout to 0",
                field="dropout",
            )
        width = a["hidden_size"] * (2 if a["bidirectional"] else 1)
        return (s[0], width) if a["return_sequence"] else (width,)

    return rule


def _recurrent_ctor(what: str) -> Callable[[dict], Ctor]:
    defaults = {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False}
    if what == "RNN":
        defaults["nonlinearity"] = "tanh"

    def ctor(a: dict) -> Ctor:
        kwargs = {**_kw(a, defaults), "batch_first": True}
        return Ctor(
            f"nn.{what}",
            (a["input_size"], a["hidden_size"]),
            kwargs,
            module=what,
            build_kwargs={"return_sequence": a["return_sequence"]},
        )

    return ctor


def _recurrent_forward(a: dict) -> list[str]:
    if a["return_sequence"]:
        return ["x, _ = self.{name}(x)"]
    lines = ["x, _ = self.{name}(x)  # every step: (B, steps, hidden * directions)"]
    if not a["bidirectional"]:
        return lines + ["x = x[:, -1]  # keep the last step"]
    h = a["hidden_size"]
    return lines + [f"x = torch.cat((x[:, -1, :{h}], x[:, 0, {h}:]), dim=1)  # last step of each direction"]


def _recurrent_macs(gates: int) -> Callable[[Shape, Shape, dict], int]:
    def count(i: Shape, o: Shape, a: dict) -> int:
        h, dirs = a["hidden_size"], 2 if a["bidirectional"] else 1
        total, width = 0, a["input_size"]
        for _ in range(a["num_layers"]):
            total += dirs * gates * i[0] * (width * h + h * h)
            width = h * dirs
        return total

    return count


for _name, _gates, _help, _extra in (
    (
        "RNN",
        1,
        "A simple recurrent layer: reads a sequence step by step, updating a hidden state.",
        (
            Param(
                "nonlinearity",
                "choice",
                "tanh",
                "Squashing function applied at each step.",
                choices=("tanh", "relu"),
            ),
        ),
    ),
    (
        "LSTM",
        4,
        "A recurrent layer with gates that decide what to remember and forget; good at long sequences.",
        (),
    ),
    ("GRU", 3, "A lighter gated recurrent layer (two gates instead of the LSTM's three).", ()),
):
    _add(
        name=_name,
        category="recurrent",
        help=_help,
        params=_recurrent_params(_extra),
        shape=_recurrent_shape(_name),
        infer=lambda s, a: {"input_size": s[1]},
        ctor=_recurrent_ctor(_name),
        macs=_recurrent_macs(_gates),
        forward_code=_recurrent_forward,
        has_weights=True,
        example={"hidden_size": 32},
    )


# ---------------------------------------------------------------- attention


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


_add(
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
        {**_kw(a, {"dropout": 0.0, "bias": True}), "batch_first": True},
        module="MultiheadSelfAttention",
        build_kwargs=_kw(a, {"causal": False}),
    ),
    macs=lambda i, o, a: _attention_macs(i[0], i[1]),
    forward_code=_self_attention_forward,
    has_weights=True,
    example={"num_heads": 1},
)

_add(
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
            **_kw(a, {"dim_feedforward": 2048, "dropout": 0.1, "activation": "relu"}),
            "batch_first": True,
            **_kw(a, {"norm_first": False}),
        },
        module="TransformerEncoderLayer",
        build_kwargs=_kw(a, {"causal": False}),
    ),
    macs=lambda i, o, a: _attention_macs(i[0], i[1]) + 2 * i[0] * i[1] * a["dim_feedforward"],
    forward_code=_encoder_layer_forward,
    has_weights=True,
    example={"nhead": 2, "dim_feedforward": 128, "dropout": 0.0},
)


def _positional_shape(s: Shape, a: dict) -> Shape:
    need_sequence(s, "PositionalEncoding")
    return s


_add(
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
    ctor=lambda a: Ctor("PositionalEncoding", (a["length"], a["dim"]), _kw(a, {"kind": "learned"})),
    example={"kind": "learned"},
)


# ---------------------------------------------------------------- normalisation and regularisation


def _batchnorm1d_shape(s: Shape, a: dict) -> Shape:
    if len(s) not in (1, 2):
        raise ShapeError(
            f"BatchNorm1d needs features or a (channels, length) signal, not {_describe(s)}: "
            "use BatchNorm2d for images"
        )
    return s


_add(
    name="BatchNorm1d",
    category="normalisation",
    help="Rescales each feature to mean 0 and variance 1 over the batch, then learns a scale and shift.",
    shape=_batchnorm1d_shape,
    infer=lambda s, a: {"num_features": s[0]},
    ctor=lambda a: Ctor("nn.BatchNorm1d", (a["num_features"],)),
    macs=lambda i, o, a: _prod(o),
)
_add(
    name="BatchNorm2d",
    category="normalisation",
    help="Normalises each channel over the batch and the image, then learns a scale and shift.",
    shape=_same_shape_if(need_image, "BatchNorm2d"),
    infer=lambda s, a: {"num_features": s[0]},
    ctor=lambda a: Ctor("nn.BatchNorm2d", (a["num_features"],)),
    macs=lambda i, o, a: _prod(o),
)
_add(
    name="LayerNorm",
    category="normalisation",
    help="Normalises the features of each example (each step of a sequence) on its own, as transformers do.",
    shape=_same_shape_if(need_features, "LayerNorm"),
    infer=lambda s, a: {"normalized_shape": s[-1]},
    ctor=lambda a: Ctor("nn.LayerNorm", (a["normalized_shape"],)),
    macs=lambda i, o, a: _prod(o),
)
_add(
    name="Dropout",
    category="regularisation",
    help="While training, zeroes each value with probability p so the network cannot rely on any one unit.",
    params=(
        Param("p", "float", 0.5, "Probability of zeroing each value while training.", min=0.0, max=0.95),
    ),
    ctor=lambda a: Ctor("nn.Dropout", (), _kw(a, {"p": 0.5})),
    example={"p": 0.5},
)
_add(
    name="Dropout2d",
    category="regularisation",
    help="While training, zeroes whole feature maps with probability p.",
    params=(
        Param(
            "p", "float", 0.5, "Probability of zeroing each feature map while training.", min=0.0, max=0.95
        ),
    ),
    shape=_same_shape_if(need_image, "Dropout2d"),
    ctor=lambda a: Ctor("nn.Dropout2d", (), _kw(a, {"p": 0.5})),
    example={"p": 0.25},
)


# ---------------------------------------------------------------- activations

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
    _add(
        name=_name,
        category="activation",
        help=_help,
        params=_params,
        ctor=lambda a, _cls=f"nn.{_name}", _params=_params: Ctor(
            _cls, (), _kw(a, {p.name: p.default for p in _params})
        ),
    )


def _softmax_shape(what: str) -> Callable[[Shape, dict], Shape]:
    def rule(s: Shape, a: dict) -> Shape:
        dim, rank = a["dim"], len(s) + 1  # PyTorch counts the batch as dim 0
        if not -rank <= dim < rank:
            raise ShapeError(
                f"dim {dim} does not exist for {_describe(s)}: use -1 (the last axis)", field="dim"
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
    _add(
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


# ---------------------------------------------------------------- reshape

_add(
    name="Flatten",
    category="reshape",
    help="Unrolls each example into one long vector, e.g. an 8×7×7 feature map into 392 features.",
    shape=lambda s, a: (_prod(s),),
    ctor=lambda a: Ctor("nn.Flatten"),
)


def _unflatten_shape(s: Shape, a: dict) -> Shape:
    size = a["unflattened_size"]
    if len(s) != 1:
        raise ShapeError(
            f"Unflatten needs a vector but gets {_describe(s)}: use Reshape instead", field="unflattened_size"
        )
    if _prod(size) != s[0]:
        raise ShapeError(
            f"{list(size)} holds {_prod(size)} values but the input has {s[0]}: pick sizes whose product "
            f"is {s[0]}",
            field="unflattened_size",
        )
    return tuple(size)


_add(
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
    shape, total = list(a["shape"]), _prod(s)
    if 0 in shape or sum(1 for v in shape if v == -1) > 1:
        raise ShapeError("sizes must be positive, with at most one -1 ('whatever is left')", field="shape")
    known = _prod(v for v in shape if v != -1)
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


_add(
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
        raise ShapeError(f"Transpose swaps the two axes of a sequence or signal, but gets {_describe(s)}")
    return (s[1], s[0])


_add(
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


_add(
    name="Upsample",
    category="reshape",
    help="Enlarges feature maps by repeating (nearest) or blending (bilinear) pixels; nothing to learn.",
    params=(
        Param("scale_factor", "int", 2, "How many times larger width and height become.", min=1, max=8),
        Param("mode", "choice", "nearest", "How new pixels are filled in.", choices=("nearest", "bilinear")),
    ),
    shape=_upsample_shape,
    ctor=lambda a: Ctor(
        "nn.Upsample", (), {"scale_factor": float(a["scale_factor"]), **_kw(a, {"mode": "nearest"})}
    ),
    example={"scale_factor": 2},
)


# ---------------------------------------------------------------- blocks (shapes handled by the resolver)

_add(
    name="Residual",
    category="blocks",
    help="Adds the block's input to its output (a skip connection), so deep networks train easily. If the "
    "layers inside change the shape, a learned projection (1×1 convolution for images, Linear otherwise) "
    "brings the input to the same shape.",
    params=INIT_PARAMS,
    block=True,
    example={"layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]},
)
_add(
    name="Sequential",
    category="blocks",
    help="A named group of layers run in order, e.g. one 'stage' of a network.",
    params=INIT_PARAMS,
    block=True,
    example={"layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]},
)
