"""ModelSpec / LayerSpec: an architecture as plain data, in PyTorch's own words.

A layer is `{"type": "Conv2d", "out_channels": 8, "kernel_size": 3}`: the PyTorch class name and its
argument names, with the `in_*` sizes left out (they are inferred from the previous layer). Blocks nest
their own `"layers"`. Specs round-trip through dicts and JSON, so they can be saved, shared in a URL,
loaded as presets and compared with `==`.

This module only checks the *structure* of the data; `dlcore.validate` checks that the layers exist,
their values are in range and the shapes flow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dlcore.errors import SpecError

# Keys of a layer dict that are not layer parameters.
LAYER_KEYS = ("type", "name", "layers")
MODEL_KEYS = ("input_shape", "layers", "name", "init", "init_std", "description", "dataset")


def _plain(value: Any) -> Any:
    """Tuples become lists (recursively) so a spec equals itself after a JSON round trip."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass
class LayerSpec:
    """One layer: its catalogue `type`, its parameters, nested `layers` for blocks, an optional `name`.

    `name` sets the submodule name in the built model (default: the type in lower case plus a counter,
    e.g. `conv2d2`). Parameters are kept as given; `dlcore.validate` coerces and checks them.
    """

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    layers: list[LayerSpec] | None = None
    name: str | None = None

    def __post_init__(self):
        self.params = _plain(dict(self.params))
        if self.layers is not None:
            self.layers = list(self.layers)

    def to_dict(self) -> dict[str, Any]:
        """The flat dict form: `{"type": ..., **params}` plus `"name"` and `"layers"` when set."""
        out: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            out["name"] = self.name
        out.update(_plain(self.params))
        if self.layers is not None:
            out["layers"] = [layer.to_dict() for layer in self.layers]
        return out

    @classmethod
    def from_dict(cls, d: Any, path: tuple[int, ...] = (0,)) -> LayerSpec:
        """Read the flat dict form. `path` (0-based positions) only serves error messages."""
        if isinstance(d, LayerSpec):
            return d
        if not isinstance(d, dict):
            raise SpecError(
                f"each layer must be a dict such as {{'type': 'ReLU'}}, not {d!r}",
                layer_path=path,
            )
        layer_type = d.get("type")
        if not isinstance(layer_type, str) or not layer_type:
            raise SpecError(
                "the layer has no 'type': add one, e.g. 'type': 'Linear'",
                layer_path=path,
                field="type",
            )
        name = d.get("name")
        if name is not None and not isinstance(name, str):
            raise SpecError(
                f"'name' must be text, not {name!r}", layer_path=path, layer_type=layer_type, field="name"
            )
        layers = d.get("layers")
        if layers is not None:
            if not isinstance(layers, (list, tuple)):
                raise SpecError(
                    "'layers' must be a list of layers",
                    layer_path=path,
                    layer_type=layer_type,
                    field="layers",
                )
            layers = [cls.from_dict(sub, path + (i,)) for i, sub in enumerate(layers)]
        params = {k: v for k, v in d.items() if k not in LAYER_KEYS}
        return cls(type=layer_type, params=params, layers=layers, name=name)


@dataclass
class ModelSpec:
    """A whole architecture: the input shape (without the batch) and the layers in order.

    input_shape: images (C, H, W), tabular or 2-D points (F,), sequences (L, F), token ids (L,) when
    the first layer is an Embedding. `init` / `init_std` set how weights start (see
    `dlcore.INITIALISERS`); a layer's own `init` / `init_std` override them. `description` and
    `dataset` (a suggested dataset name) are informational, used by presets.
    """

    input_shape: tuple[int, ...]
    layers: list[LayerSpec]
    name: str = ""
    init: str = "default"
    init_std: float = 0.1
    description: str = ""
    dataset: str = ""

    def __post_init__(self):
        if isinstance(self.input_shape, (list, tuple)):
            self.input_shape = tuple(self.input_shape)
        self.layers = [LayerSpec.from_dict(layer, (i,)) for i, layer in enumerate(self.layers)]

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready); optional fields are left out when they hold their default."""
        out: dict[str, Any] = {}
        if self.name:
            out["name"] = self.name
        if self.description:
            out["description"] = self.description
        if self.dataset:
            out["dataset"] = self.dataset
        out["input_shape"] = list(self.input_shape)
        if self.init != "default":
            out["init"] = self.init
        if self.init_std != 0.1:
            out["init_std"] = self.init_std
        out["layers"] = [layer.to_dict() for layer in self.layers]
        return out

    @classmethod
    def from_dict(cls, d: Any) -> ModelSpec:
        """Read a spec dict; raises SpecError naming the field when the structure is wrong."""
        if isinstance(d, ModelSpec):
            return d
        if not isinstance(d, dict):
            raise SpecError(
                f"a model spec must be a dict with 'input_shape' and 'layers', not {type(d).__name__}"
            )
        unknown = [k for k in d if k not in MODEL_KEYS]
        if unknown:
            raise SpecError(
                f"unknown setting {unknown[0]!r} in the model spec (known: {', '.join(MODEL_KEYS)})",
                field=unknown[0],
            )
        shape = d.get("input_shape")
        if not isinstance(shape, (list, tuple)) or not shape:
            raise SpecError(
                "'input_shape' must be a list of sizes without the batch, e.g. [1, 28, 28] for images "
                "or [2] for 2-D points",
                field="input_shape",
            )
        layers = d.get("layers", [])
        if not isinstance(layers, (list, tuple)):
            raise SpecError("'layers' must be a list of layers", field="layers")
        for key, kind in (("name", str), ("description", str), ("dataset", str), ("init", str)):
            if key in d and not isinstance(d[key], kind):
                raise SpecError(f"'{key}' must be text, not {d[key]!r}", field=key)
        init_std = d.get("init_std", 0.1)
        if isinstance(init_std, bool) or not isinstance(init_std, (int, float)):
            raise SpecError(f"'init_std' must be a number, not {init_std!r}", field="init_std")
        return cls(
            input_shape=tuple(shape),
            layers=[LayerSpec.from_dict(layer, (i,)) for i, layer in enumerate(layers)],
            name=d.get("name", ""),
            init=d.get("init", "default"),
            init_std=float(init_std),
            description=d.get("description", ""),
            dataset=d.get("dataset", ""),
        )

    def to_json(self, indent: int | None = 2) -> str:
        """JSON text of `to_dict()`."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelSpec:
        """Read JSON text; invalid JSON raises SpecError too."""
        try:
            data = json.loads(text)
        except (TypeError, ValueError) as err:
            raise SpecError(f"this is not valid spec JSON ({err})") from err
        return cls.from_dict(data)
