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

from dlcore.errors import SpecError, excerpt
from dlcore.params import Param

# Keys of a layer dict that are not layer parameters.
LAYER_KEYS = ("type", "name", "layers", "trainable")
MODEL_KEYS = ("input_shape", "layers", "name", "init", "init_std", "description", "dataset")

# What one spec may hold. The app runs on a shared classroom server, so a spec is checked against these
# before anything else in it is read: a crafted file then costs milliseconds, not minutes of a shared CPU.
MAX_JSON_CHARS = 200_000  # the largest preset is under 2,000
MAX_LAYERS = 500  # every layer, blocks and the layers inside them included
MAX_NESTING = 8  # levels of layers: a top-level layer is on level 1, the layers of a block one level down
MAX_NAME_CHARS = 100
MAX_DESCRIPTION_CHARS = 2_000
MAX_LAYER_NAME_CHARS = 50
MAX_TEXT_CHARS = 200  # any other text: a layer type, a dataset name, a setting's value or key
MAX_VALUE_DEPTH = 2  # a setting holds a number, text or a list of numbers
MAX_VALUE_ITEMS = 100

# The model's input shape as a form field (the Build page edits it like any layer parameter).
INPUT_SHAPE_PARAM = Param(
    "input_shape",
    "intlist",
    [1, 8, 8],
    "Size of one example without the batch: (channels, height, width) for images, (features,) for "
    "tables and 2-D points, (length, features) for sequences, (length,) for tokens.",
    min=1,
)


# A layer's switch between learning and frozen (a field of every layer, shown on the layers that learn).
TRAINABLE_PARAM = Param(
    "trainable",
    "bool",
    True,
    "On: training changes this layer's weights. Off: the layer is frozen and keeps the weights it has (such "
    "as those loaded from a saved model), while the layers that are on learn around it.",
)


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
    e.g. `conv2d2`). `trainable=False` freezes the layer (a block: every layer in it): its weights get
    requires_grad False and training leaves them as they are. Parameters are kept as given;
    `dlcore.validate` coerces and checks them.
    """

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    layers: list[LayerSpec] | None = None
    name: str | None = None
    trainable: bool = True

    def __post_init__(self):
        self.params = _plain(dict(self.params))
        if self.layers is not None:
            self.layers = list(self.layers)

    def to_dict(self) -> dict[str, Any]:
        """The flat dict form: `{"type": ..., **params}` plus `"name"` and `"layers"` when set, and
        `"trainable": false` for a frozen layer."""
        out: dict[str, Any] = {"type": self.type}
        if self.name is not None:
            out["name"] = self.name
        if not self.trainable:
            out["trainable"] = False
        out.update(_plain(self.params))
        if self.layers is not None:
            out["layers"] = [layer.to_dict() for layer in self.layers]
        return out

    @classmethod
    def from_dict(cls, d: Any, path: tuple[int, ...] = (0,)) -> LayerSpec:
        """Read the flat dict form. `path` (0-based positions) only serves error messages."""
        if isinstance(d, LayerSpec):
            return d
        if len(path) > MAX_NESTING:
            raise _too_deep(path)
        if not isinstance(d, dict):
            raise SpecError(
                f"each layer must be a dict such as {{'type': 'ReLU'}}, not {excerpt(d)}",
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
                f"'name' must be text, not {excerpt(name)}",
                layer_path=path,
                layer_type=layer_type,
                field="name",
            )
        try:
            trainable = TRAINABLE_PARAM.coerce(d.get("trainable", True))
        except ValueError as err:
            raise SpecError(str(err), layer_path=path, layer_type=layer_type, field="trainable") from None
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
        return cls(type=layer_type, params=params, layers=layers, name=name, trainable=trainable)


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
                f"unknown setting {excerpt(unknown[0])} in the model spec (known: {', '.join(MODEL_KEYS)})",
                field=str(unknown[0])[:MAX_TEXT_CHARS],
            )
        check_limits(d)
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
                raise SpecError(f"'{key}' must be text, not {excerpt(d[key])}", field=key)
        init_std = d.get("init_std", 0.1)
        if isinstance(init_std, bool) or not isinstance(init_std, (int, float)) or abs(init_std) > 1e300:
            raise SpecError(
                f"'init_std' must be a number from 0 to 10, not {excerpt(init_std)}", field="init_std"
            )
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
        """Read JSON text or UTF-8 bytes (a file); what is not a spec raises SpecError in plain words."""
        if len(text) > MAX_JSON_CHARS:
            raise SpecError(
                f"this file is {len(text):,} characters long, more than a model spec may be "
                f"({MAX_JSON_CHARS:,}; the presets are under 2,000): is it the right file?"
            )
        if isinstance(text, (bytes, bytearray)):
            try:
                text = bytes(text).decode("utf-8-sig")
            except UnicodeDecodeError as err:
                raise SpecError(
                    f"this is not a text file (byte {err.start + 1} cannot be read as text): {_UPLOAD}"
                ) from None
        if not text.strip():
            raise SpecError(f"the file is empty: {_UPLOAD}")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise SpecError(
                f"this is not a model spec: its text stops being valid JSON at line {err.lineno}, column "
                f"{err.colno}. {_UPLOAD[0].upper()}{_UPLOAD[1:]}, or fix that spot in a text editor"
            ) from None
        except RecursionError:
            raise SpecError("this is not a model spec: its brackets nest far too deep") from None
        except ValueError:  # json refuses numbers of more than 4,300 digits
            raise SpecError("this is not a model spec: it holds a number thousands of digits long") from None
        return cls.from_dict(data)


_UPLOAD = "upload the .json file that 'Download spec' saved"


def _too_deep(path: tuple[int, ...]) -> SpecError:
    return SpecError(
        f"this layer sits more than {MAX_NESTING} levels deep (blocks inside blocks inside blocks): "
        "put the inner layers in one block instead",
        layer_path=path[:MAX_NESTING],
        field="layers",
    )


def check_limits(data: dict) -> None:
    """Refuse a spec dict that is too big for a shared server (see MAX_*), before reading the rest of it.

    Walks the dict without recursion, so even data nested thousands deep gets a SpecError, not a crash.
    """
    _check_text(data.get("name"), MAX_NAME_CHARS, "name", "the model's name")
    _check_text(data.get("description"), MAX_DESCRIPTION_CHARS, "description", "the description")
    for key in ("input_shape", "init", "init_std", "dataset"):
        _check_value(data.get(key), key, None)
    count = 0
    pending = [(data.get("layers"), ())]  # (a list of layers, the path of the block holding it)
    while pending:
        layers, block = pending.pop()
        if not isinstance(layers, (list, tuple)):
            continue  # from_dict says what is wrong with it
        count += len(layers)
        if count > MAX_LAYERS:
            raise SpecError(
                f"the model has more than {MAX_LAYERS} layers, more than this server builds: a model that "
                "learns well here needs far fewer",
                field="layers",
            )
        for i, layer in enumerate(layers):
            path = block + (i,)
            if not isinstance(layer, dict):
                continue
            if len(path) > MAX_NESTING:
                raise _too_deep(path)
            for key, value in layer.items():
                _check_text(key, MAX_TEXT_CHARS, None, "a setting's name", path)
                if key == "layers":
                    pending.append((value, path))
                elif key == "name":
                    _check_text(value, MAX_LAYER_NAME_CHARS, "name", "a layer's name", path)
                else:
                    _check_value(value, key, path)


def _check_text(text: Any, limit: int, field_name: str | None, what: str, path=None) -> None:
    if not isinstance(text, str):
        return  # from_dict says what the type should be
    if len(text) > limit:
        raise SpecError(
            f"{what} is {len(text):,} characters long: shorten it to at most {limit:,}",
            field=field_name,
            layer_path=path,
        )
    if field_name == "name" and not text.isprintable():
        raise SpecError(
            f"{what} holds a line break or an invisible control character: keep it to one line of text",
            field=field_name,
            layer_path=path,
        )
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise SpecError(
            f"{what} holds a broken character (half of a UTF-16 pair): retype it",
            field=field_name,
            layer_path=path,
        )


def _check_value(value: Any, key: str, path) -> None:
    """A setting's value is a number, text or a short list of them (a list of lists at most)."""
    whole, pending = value, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item, MAX_TEXT_CHARS, key, f"the text in {excerpt(key)}", path)
        elif isinstance(item, (list, tuple, dict)):
            if depth >= MAX_VALUE_DEPTH or len(item) > MAX_VALUE_ITEMS:
                raise SpecError(
                    f"'{key}' must be a number, text or a short list of numbers, not {excerpt(whole)}",
                    field=key,
                    layer_path=path,
                )
            items = item.items() if isinstance(item, dict) else item
            pending += [(v, depth + 1) for v in items]
