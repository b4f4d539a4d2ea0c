"""What a catalogue entry is (LayerType, Ctor), the registry they live in and its categories."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dlcore.errors import SpecError
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
    # lines of the exported __init__() after the layer is made ("{name}" as above); none by default
    start_code: Callable[[dict], list[str]] | None = None
    inline: bool = False  # exported as a forward() line only (no submodule: nothing to learn)
    has_weights: bool = False  # takes init / init_std, and the initialiser applies to it
    block: bool = False
    example: dict[str, Any] = field(default_factory=dict)

    @property
    def learns(self) -> bool:
        """Whether the layer has weights training changes (so it can be frozen): weighted layers,
        normalisation (its scale and shift) and blocks (the layers inside)."""
        return self.has_weights or self.block or self.category == "normalisation"

    def example_dict(self) -> dict[str, Any]:
        """A sensible starting layer dict for this type (required parameters filled in); a fresh copy."""
        return {"type": self.name, **copy.deepcopy(self.example)}


LAYERS: Registry[LayerType] = Registry("layer type", SpecError)


def layer_catalogue() -> dict[str, LayerType]:
    """Every layer type by name (PyTorch's class names), in catalogue order."""
    return dict(LAYERS.items())


def add(**kwargs) -> LayerType:
    entry = LayerType(**kwargs)
    assert entry.category in CATEGORIES, entry.category
    return LAYERS.register(entry.name, entry)
