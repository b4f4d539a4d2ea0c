"""Hypothesis strategies for model specs: random valid ones, and random ways to break them.

Valid specs are grown layer by layer: each step draws a layer that suits the current shape (images,
vectors, sequences) with small sizes, and keeps it only if the engine accepts it, so every layer type
and block appears on shapes it can really take.
"""

from __future__ import annotations

import copy

from hypothesis import strategies as st

import dlcore

ACTIVATIONS = ["ReLU", "Tanh", "Sigmoid", "GELU", "SiLU", "ELU", "LeakyReLU", "Identity"]


def _layer_for(draw, shape: tuple[int, ...], depth: int) -> dict:
    """One random layer dict that probably fits `shape` (the caller checks)."""
    small = st.integers(1, 6)
    kinds = ["activation", "Dropout"]
    if len(shape) == 1:
        kinds += ["Linear", "Linear", "BatchNorm1d", "LayerNorm", "Reshape-seq", "Unflatten", "Softmax"]
    elif len(shape) == 2:
        kinds += [
            "Linear",
            "Recurrent",
            "Recurrent",
            "StateSpace",
            "Attention",
            "Transformer",
            "PositionalEncoding",
            "LayerNorm",
            "Flatten",
            "Transpose",
            "Conv1d",
            "BatchNorm1d",
            "Pool1d",
        ]
    else:
        kinds += [
            "Conv2d",
            "Conv2d",
            "Pool",
            "AdaptiveAvgPool2d",
            "BatchNorm2d",
            "Dropout2d",
            "Upsample",
            "ConvTranspose2d",
            "Flatten",
            "Reshape-seq",
        ]
    if depth < 2:
        kinds += ["Residual", "Sequential"]
    kind = draw(st.sampled_from(kinds))
    if kind == "activation":
        return {"type": draw(st.sampled_from(ACTIVATIONS))}
    if kind == "Dropout":
        return {"type": "Dropout", "p": draw(st.sampled_from([0.0, 0.1, 0.5]))}
    if kind == "Linear":
        return {"type": "Linear", "out_features": draw(small), "bias": draw(st.booleans())}
    if kind in ("BatchNorm1d", "LayerNorm", "BatchNorm2d", "Flatten", "Transpose"):
        return {"type": kind}
    if kind == "Softmax":
        return {"type": draw(st.sampled_from(["Softmax", "LogSoftmax"])), "dim": -1}
    if kind == "Reshape-seq":
        return {"type": "Reshape", "shape": [-1, draw(st.sampled_from([1, shape[-1]]))]}
    if kind == "Unflatten":
        return {"type": "Unflatten", "unflattened_size": [1, 1, shape[0]]}
    if kind == "Recurrent":
        layer = {
            "type": draw(st.sampled_from(["RNN", "LSTM", "GRU"])),
            "hidden_size": draw(small),
            "num_layers": draw(st.integers(1, 2)),
            "bidirectional": draw(st.booleans()),
            "return_sequence": draw(st.booleans()),
        }
        return layer
    if kind == "StateSpace":
        layer = {
            "type": draw(st.sampled_from(["DiagonalSSM", "SelectiveSSM"])),
            "hidden_size": draw(small),
            "state_size": draw(small),
            "return_sequence": draw(st.booleans()),
        }
        if layer["type"] == "DiagonalSSM":
            layer["complex"] = draw(st.booleans())
        return layer
    if kind == "Attention":
        heads = draw(st.sampled_from([h for h in (1, 2, 3) if shape[1] % h == 0]))
        return {"type": "MultiheadSelfAttention", "num_heads": heads, "causal": draw(st.booleans())}
    if kind == "Transformer":
        heads = draw(st.sampled_from([h for h in (1, 2) if shape[1] % h == 0]))
        return {
            "type": "TransformerEncoderLayer",
            "nhead": heads,
            "dim_feedforward": draw(small),
            "dropout": 0.0,
            "activation": draw(st.sampled_from(["relu", "gelu"])),
            "norm_first": draw(st.booleans()),
            "causal": draw(st.booleans()),
        }
    if kind == "PositionalEncoding":
        return {"type": "PositionalEncoding", "kind": draw(st.sampled_from(["learned", "sinusoidal"]))}
    if kind == "Conv1d":
        return {
            "type": "Conv1d",
            "out_channels": draw(small),
            "kernel_size": draw(st.integers(1, 3)),
            "padding": draw(st.integers(0, 1)),
        }
    if kind in ("Conv2d", "ConvTranspose2d"):
        return {
            "type": kind,
            "out_channels": draw(small),
            "kernel_size": draw(st.integers(1, 3)),
            "stride": draw(st.integers(1, 2)),
            "padding": draw(st.integers(0, 1)),
        }
    if kind == "Pool":
        return {
            "type": draw(st.sampled_from(["MaxPool2d", "AvgPool2d"])),
            "kernel_size": draw(st.integers(1, 2)),
        }
    if kind == "Pool1d":
        return {
            "type": draw(st.sampled_from(["MaxPool1d", "AvgPool1d"])),
            "kernel_size": draw(st.integers(1, 2)),
        }
    if kind == "AdaptiveAvgPool2d":
        return {"type": kind, "output_size": draw(st.integers(1, 3))}
    if kind == "Dropout2d":
        return {"type": kind, "p": 0.2}
    if kind == "Upsample":
        return {"type": kind, "scale_factor": 2, "mode": draw(st.sampled_from(["nearest", "bilinear"]))}
    # blocks
    return {"type": kind, "layers": _grow(draw, shape, draw(st.integers(1, 3)), depth + 1)}


def _grow(draw, shape: tuple[int, ...], count: int, depth: int) -> list[dict]:
    """`count` layers that flow from `shape`; each is checked against the engine as it is added."""
    layers: list[dict] = []
    for _ in range(count):
        for _attempt in range(5):
            layer = _layer_for(draw, shape, depth)
            try:
                new_shape = dlcore.output_shape({"input_shape": list(shape), "layers": [layer]})
            except dlcore.SpecError:
                continue
            if 0 < len(new_shape) <= 3 and _size(new_shape) <= 2048:
                layers.append(layer)
                shape = new_shape
                break
    return layers or [{"type": "Identity"}]


def _size(shape) -> int:
    out = 1
    for s in shape:
        out *= s
    return out


@st.composite
def valid_specs(draw) -> dict:
    """A random valid spec dict (small shapes) over images, vectors, sequences or tokens."""
    family = draw(st.sampled_from(["vector", "image", "sequence", "tokens"]))
    init = draw(st.sampled_from(["default", "default", "xavier", "kaiming", "normal", "zeros"]))
    if family == "vector":
        shape = (draw(st.integers(1, 8)),)
    elif family == "image":
        shape = (draw(st.integers(1, 3)), draw(st.integers(3, 8)), draw(st.integers(3, 8)))
    else:
        shape = (draw(st.integers(1, 6)), draw(st.integers(1, 6)))
    layers = []
    current = shape
    if family == "tokens":
        dim = draw(st.sampled_from([2, 4, 6]))
        layers = [{"type": "Embedding", "num_embeddings": draw(st.integers(2, 12)), "embedding_dim": dim}]
        shape, current = (shape[0],), (shape[0], dim)
    layers += _grow(draw, current, draw(st.integers(1, 5)), 0)
    # about one layer in five frozen (a block: everything in it)
    layers = [{**layer, "trainable": False} if draw(st.integers(0, 4)) == 0 else layer for layer in layers]
    return {"input_shape": list(shape), "init": init, "init_std": 0.05, "layers": layers}


JUNK = [None, -1, 0, 10**9, 2.5, "abc", "", True, [], [1, 2, 3], {"a": 1}, float("nan")]


@st.composite
def corrupted_specs(draw) -> dict:
    """A valid spec with one random thing broken (it may still happen to be valid)."""
    spec = copy.deepcopy(draw(valid_specs()))
    how = draw(st.sampled_from(["param", "drop", "type", "insert", "input", "key", "name", "layers"]))
    layers = _all_layers(spec["layers"])
    layer = draw(st.sampled_from(layers))
    if how == "param":
        entry = dlcore.layer_catalogue().get(layer["type"])
        names = [p.name for p in entry.params] if entry else []
        key = draw(st.sampled_from(names + ["unknown_setting"]))
        layer[key] = draw(st.sampled_from(JUNK))
    elif how == "drop":
        keys = [k for k in layer if k != "type"]
        if keys:
            del layer[draw(st.sampled_from(keys))]
    elif how == "type":
        layer["type"] = draw(
            st.sampled_from([*dlcore.layer_catalogue(), "Conv2D", "linear", "Nope", 3, None])
        )
    elif how == "insert":
        catalogue = dlcore.layer_catalogue()
        new = catalogue[draw(st.sampled_from(sorted(catalogue)))].example_dict()
        spec["layers"].insert(draw(st.integers(0, len(spec["layers"]))), new)
    elif how == "input":
        spec["input_shape"] = draw(
            st.sampled_from(
                [[], [0], [-3], [2, 2, 2, 2], "28", [1.5], [None], [1, 100000, 100000], [3, 2, 2], [5]]
            )
        )
    elif how == "key":
        spec[draw(st.sampled_from(["init", "init_std", "layers", "extra"]))] = draw(st.sampled_from(JUNK))
    elif how == "name":
        layer["name"] = draw(st.sampled_from(["1abc", "forward", "a b", "_x", "shortcut", "ok_name", 5]))
    else:
        layer["layers"] = draw(st.sampled_from([[], "x", [{"type": "ReLU"}], [5]]))
    return spec


def _all_layers(layers: list[dict]) -> list[dict]:
    out = []
    for layer in layers:
        out.append(layer)
        if isinstance(layer.get("layers"), list):
            out += _all_layers(layer["layers"])
    return out
