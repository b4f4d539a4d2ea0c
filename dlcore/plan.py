"""Resolve a ModelSpec into a plan: every layer named, its values checked, its shapes worked out.

The plan is what the builder, the summary and the code exporter share. Nothing runs on real data:
shapes come from the catalogue's rules and parameter counts from modules made on the meta device
(no memory allocated). Every problem becomes a SpecError naming the layer, the field and the fix.
"""

from __future__ import annotations

import difflib
import keyword
import math
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from dlcore import layers as custom_layers
from dlcore.catalogue import LAYERS, Ctor, LayerType, ShapeError
from dlcore.errors import SpecError, excerpt
from dlcore.optim import INITIALISERS
from dlcore.params import ParamValueError, coerce_all
from dlcore.spec import LayerSpec, ModelSpec

Shape = tuple[int, ...]

# Bounds that keep one student's model from exhausting a shared server.
MAX_PARAMETERS = 25_000_000
MAX_VALUES_PER_EXAMPLE = 1 << 22  # e.g. 64 feature maps of 256×256
MAX_INPUT_SIZE = 100_000

# Attributes every built container already has (methods, and `training` set in __init__): a layer with
# one of these names cannot be added to it.
RESERVED_NAMES = frozenset(dir(nn.Sequential()))


@dataclass
class Node:
    """One resolved layer: where it sits, what it takes and gives, and how to build it."""

    name: str  # dotted module path in the built model, e.g. "residual1.conv2d3"
    path: tuple[int, ...]  # 0-based position in the spec (nested blocks add a level)
    type: LayerType
    args: dict[str, Any]  # coerced params plus the sizes inferred from the previous layer
    in_shape: Shape
    out_shape: Shape
    init: str = "default"
    init_std: float = 0.1
    children: list[Node] = field(default_factory=list)
    shortcut: Node | None = None  # a Residual's projection, when the body changes the shape
    ctor: Ctor | None = None
    params: int = 0  # learnable values (frozen or not), including children
    trainable: bool = True  # False: frozen by the spec (its own `trainable`, or a frozen block around it)
    macs: int = 0  # multiply-accumulates per example, including children
    note: str = ""

    @property
    def local_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def depth(self) -> int:
        return self.name.count(".")

    def walk(self):
        """This node, then its children and shortcut, depth-first (the summary's row order)."""
        yield self
        for child in self.children:
            yield from child.walk()
        if self.shortcut is not None:
            yield from self.shortcut.walk()


@dataclass
class Plan:
    spec: ModelSpec
    nodes: list[Node]  # top level

    @property
    def output_shape(self) -> Shape:
        return self.nodes[-1].out_shape if self.nodes else self.spec.input_shape

    @property
    def takes_tokens(self) -> bool:
        return bool(self.nodes) and self.nodes[0].type.name == "Embedding"

    def walk(self):
        for node in self.nodes:
            yield from node.walk()

    @property
    def frozen_params(self) -> int:
        """The values of frozen layers (counted at the layers that hold them, not at their blocks)."""
        return sum(n.params for n in self.walk() if not n.children and not n.trainable)


def module_class(ctor: Ctor) -> type[nn.Module]:
    """The class a Ctor builds: dlcore.layers' version when it has one, else torch.nn's."""
    if ctor.module:
        return getattr(custom_layers, ctor.module)
    if ctor.cls.startswith("nn."):
        return getattr(nn, ctor.cls[3:])
    return getattr(custom_layers, ctor.cls)


def instantiate(ctor: Ctor) -> nn.Module:
    return module_class(ctor)(*ctor.args, **ctor.kwargs, **ctor.build_kwargs)


def as_spec(spec: ModelSpec | dict) -> ModelSpec:
    """Accept a ModelSpec or its dict form."""
    return spec if isinstance(spec, ModelSpec) else ModelSpec.from_dict(spec)


def resolve(spec: ModelSpec | dict) -> Plan:
    """Check `spec` completely and work out every layer's name, arguments and shapes."""
    spec = as_spec(spec)
    shape = _check_input_shape(spec.input_shape)
    init = _check_init(spec.init, spec.init_std, None, "init")
    if not spec.layers:
        raise SpecError("the model has no layers: add at least one, e.g. a Linear layer", field="layers")
    resolver = _Resolver()
    nodes = resolver.sequence(spec.layers, shape, "", (), init, spec.init_std)
    return Plan(spec, nodes)


def _check_input_shape(shape: Any) -> Shape:
    fix = "e.g. [1, 28, 28] for images, [2] for 2-D points, [50, 1] for sequences"
    if not isinstance(shape, tuple) or not 1 <= len(shape) <= 3:
        raise SpecError(
            f"'input_shape' must list 1 to 3 sizes without the batch ({fix}), not {shape!r}",
            field="input_shape",
        )
    for size in shape:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_INPUT_SIZE:
            raise SpecError(
                f"'input_shape' sizes must be whole numbers from 1 to {MAX_INPUT_SIZE} ({fix}), not {size!r}",
                field="input_shape",
            )
    if math.prod(shape) > MAX_VALUES_PER_EXAMPLE:
        raise SpecError(f"'input_shape' {list(shape)} is too large for this server", field="input_shape")
    return shape


def _check_init(init: Any, std: Any, path: tuple[int, ...] | None, field_name: str, layer_type=None) -> str:
    if init not in INITIALISERS:
        raise SpecError(
            INITIALISERS.unknown_message(init), field=field_name, layer_path=path, layer_type=layer_type
        )
    if isinstance(std, bool) or not isinstance(std, (int, float)) or not 0 <= std <= 10:
        raise SpecError(
            f"'init_std' must be a number from 0 to 10, not {std!r}",
            field="init_std",
            layer_path=path,
            layer_type=layer_type,
        )
    return init


class _Resolver:
    def __init__(self):
        self.counts: Counter[str] = Counter()  # default names count each type across the whole model
        self.total_params = 0

    def sequence(
        self,
        layers: list[LayerSpec],
        shape: Shape,
        prefix: str,
        path: tuple[int, ...],
        init: str,
        std: float,
        parent: str = "",
    ) -> list[Node]:
        nodes, taken = [], set()
        for i, layer in enumerate(layers):
            node = self.layer(layer, shape, prefix, path + (i,), init, std, taken, parent)
            nodes.append(node)
            shape = node.out_shape
        return nodes

    def layer(
        self,
        layer: LayerSpec,
        shape: Shape,
        prefix: str,
        path: tuple[int, ...],
        init: str,
        std: float,
        taken: set[str],
        parent: str,
    ) -> Node:
        def fail(message: str, field_name: str | None = None, cause: BaseException | None = None):
            raise SpecError(message, layer_path=path, layer_type=layer.type, field=field_name) from cause

        try:
            kind = LAYERS.get(layer.type)
        except SpecError as err:
            message = err.message
            if "did you mean" in message:  # the suggestion is enough; the full list of types is long
                message = message.split(" (known: ")[0]
            fail(message, "type", err)
        self.counts[kind.name] += 1
        name = self._name(layer, kind, taken, parent, fail)
        try:
            args = coerce_all(kind.params, layer.params)
        except ParamValueError as err:
            fail(_with_suggestion(str(err), err.field, [p.name for p in kind.params]), err.field, err)
        if "init" in args:
            init = args["init"] if args["init"] is not None else init
            std = args["init_std"] if args["init_std"] is not None else std
        if kind.name == "Embedding" and path != (0,):
            fail(
                "Embedding turns token ids into vectors, so it must be the model's first layer: move it to "
                "position 1 (and set input_shape to [sequence_length])"
            )
        if kind.block:
            return self.block(layer, kind, shape, prefix + name, path, init, std, args, fail)
        if layer.layers is not None:
            fail(
                f"only Residual and Sequential blocks hold layers; remove 'layers' from this {kind.name}",
                "layers",
            )
        try:
            out = tuple(kind.shape(shape, args))
        except ShapeError as err:
            fail(err.message, err.field, err)
        args.update(kind.infer(shape, args))
        node = Node(prefix + name, path, kind, args, shape, out, init if kind.has_weights else "default", std)
        node.trainable = layer.trainable
        self._finish(node, fail)
        return node

    def _name(self, layer: LayerSpec, kind: LayerType, taken: set[str], parent: str, fail) -> str:
        name = layer.name if layer.name is not None else f"{kind.name.lower()}{self.counts[kind.name]}"
        if layer.name is not None:
            # Python reads identifiers in NFKC form: exported code would call "ﬁlter" "filter"
            plain = unicodedata.normalize("NFKC", name) == name
            if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or not plain:
                fail(
                    f"the name {excerpt(name)} must be a Python identifier (letters, digits and _, not "
                    "starting with a digit or _), e.g. 'encoder'",
                    "name",
                )
            if name in RESERVED_NAMES or (parent == "Residual" and name == "shortcut"):
                fail(f"the name {name!r} is reserved by PyTorch modules: pick another", "name")
        if name in taken:
            fail(f"two layers here are named {name!r}: give this one another name", "name")
        taken.add(name)
        return name

    def block(
        self,
        layer: LayerSpec,
        kind: LayerType,
        shape: Shape,
        name: str,
        path: tuple[int, ...],
        init: str,
        std: float,
        args: dict,
        fail,
    ) -> Node:
        if not layer.layers:
            fail(f"a {kind.name} block needs at least one layer inside: add one to its 'layers'", "layers")
        children = self.sequence(layer.layers, shape, name + ".", path, init, std, kind.name)
        out = children[-1].out_shape
        node = Node(name, path, kind, args, shape, out, init, std, children=children)
        if kind.name == "Residual" and out != shape:
            node.shortcut = self._projection(node, fail)
            node.note = f"the skip connection goes through a learned projection ({node.shortcut.type.name})"
        if not layer.trainable:  # a frozen block freezes everything in it, its skip projection too
            for inner in node.walk():
                inner.trainable = False
        node.params = sum(n.params for n in children) + (node.shortcut.params if node.shortcut else 0)
        node.macs = sum(n.macs for n in children) + (node.shortcut.macs if node.shortcut else 0)
        return node

    def _projection(self, block: Node, fail) -> Node:
        """The learned shortcut that brings a Residual's input to the shape its body outputs."""
        inp, out = block.in_shape, block.out_shape
        base = {"bias": False, "init": None, "init_std": None}
        if len(inp) == 3 and len(out) == 3:
            strides = [_stride_for(a, b) for a, b in zip(inp[1:], out[1:], strict=True)]
            if None in strides:
                fail(
                    f"the layers inside turn {inp} into {out}; the skip connection can only shrink the image "
                    "by a whole stride: keep the size, or halve it with stride 2",
                    "layers",
                )
            kind = LAYERS.get("Conv2d")
            args = {
                **base,
                "in_channels": inp[0],
                "out_channels": out[0],
                "kernel_size": 1,
                "stride": strides[0] if strides[0] == strides[1] else tuple(strides),
                "padding": 0,
            }
            note = "1×1 convolution: a learned projection so the skip connection matches the block's output"
        elif len(inp) == len(out) and inp[:-1] == out[:-1] and len(inp) in (1, 2):
            kind = LAYERS.get("Linear")
            args = {**base, "in_features": inp[-1], "out_features": out[-1]}
            note = "Linear: a learned projection so the skip connection matches the block's output"
        else:
            fail(
                f"the layers inside turn {inp} into {out}, which cannot be added back to the input: "
                "make the last layer inside give the same kind of shape as the block's input",
                "layers",
            )
        node = Node(
            block.name + ".shortcut", block.path, kind, args, inp, out, block.init, block.init_std, note=note
        )
        self._finish(node, fail)
        return node

    def _finish(self, node: Node, fail) -> None:
        """Make the module on the meta device (no memory) to count its parameters and catch torch's errors."""
        values = math.prod(node.out_shape)
        if values > MAX_VALUES_PER_EXAMPLE:
            fail(
                f"this layer outputs {values:,} values per example, more than this server allows "
                f"({MAX_VALUES_PER_EXAMPLE:,}): use fewer channels or features, a stride of 2, or pool first"
            )
        node.ctor = node.type.ctor(node.args)
        try:
            with torch.device("meta"):
                module = instantiate(node.ctor)
        except (RuntimeError, ValueError, TypeError, AssertionError) as err:
            fail(f"PyTorch cannot build this layer with these settings ({err})", None, err)
        node.params = sum(p.numel() for p in module.parameters())
        node.macs = int(node.type.macs(node.in_shape, node.out_shape, node.args))
        self.total_params += node.params
        if self.total_params > MAX_PARAMETERS:
            fail(
                f"the model passes {MAX_PARAMETERS:,} parameters here ({node.params:,} in this layer), too "
                "many for this server: use fewer features or channels, or pool before flattening"
            )


def _with_suggestion(message: str, field_name: str, known: list[str]) -> str:
    """Add "did you mean" to an unknown setting's message (out_channel -> out_channels)."""
    close = difflib.get_close_matches(field_name, known, n=1) if field_name not in known else []
    return f"{message} — did you mean '{close[0]}'?" if close else message


def _stride_for(size: int, target: int) -> int | None:
    """The stride s with which a 1×1 convolution turns `size` cells into `target` (or None)."""
    for stride in range(1, size + 1):
        if (size - 1) // stride + 1 == target:
            return stride
    return None


def validate(spec: ModelSpec | dict) -> None:
    """Raise the first SpecError in `spec` (unknown type, bad value, shapes that cannot flow), else None."""
    resolve(spec)


def output_shape(spec: ModelSpec | dict) -> Shape:
    """The shape the model outputs for one example (no batch), e.g. (10,). Raises SpecError."""
    return resolve(spec).output_shape
