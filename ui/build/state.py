"""The Build page's state: the model being built, as one frozen value in this tab and in the link.

`BUILD` is a `ui.state.PageState` holding a `BuildState`. Every edit (a drop, a move, a removal, a
parameter, a preset, Clear, an upload) makes a new BuildState and replaces the old one, so no reader can
change the model in place. The link carries the whole model, `?model=<dlcore.links.pack(spec dict)>`: a
link opens that model on any page (Train puts it in its own link with `ui.state.sync_url(BUILD, TRAIN)`).

The link carries the model only. The preset it came from is not in it: the "Loaded X" caption reports
what this tab did when the student clicked the preset (it also set the Train page's settings), which a
link to the model does not do; the selected layer is where this student is looking, not the model.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import dlcore
from ui import state as keys
from ui.state import PageState

MODEL_PARAM = "model"  # the query parameter that holds the model
STARTING_PRESET = "digits_mlp"  # what a new tab starts with: the Train page's first dataset, 8x8 digits
_ids = itertools.count(1)


def fresh_id() -> str:
    """A layer id never used before in this server (ids key a layer's widgets)."""
    return f"layer{next(_ids)}"


@dataclass(frozen=True)
class BuildState:
    """The model being built (see the module docstring).

    `spec_json`: the model as JSON text of its spec dict (ModelSpec.to_dict form), an immutable value;
    `spec` reads it as a new dict. `layer_ids`: a stable id per top-level layer, parallel to the layers,
    so a layer's widgets follow it when it is dragged. `selected`: the id of the layer whose parameters
    are shown. `preset`: the key of the preset the model was loaded from (None: the student's own).
    """

    spec_json: str
    layer_ids: tuple[str, ...]
    selected: str | None = None
    preset: str | None = None

    def __post_init__(self):
        if len(self.layer_ids) != len(self.spec.get("layers", ())) or len(set(self.layer_ids)) != len(
            self.layer_ids
        ):
            raise ValueError("BuildState: one distinct layer id per top-level layer")
        if self.selected is not None and self.selected not in self.layer_ids:
            raise ValueError(f"BuildState: selected layer {self.selected!r} is not in the model")

    @property
    def spec(self) -> dict[str, Any]:
        """The spec as a dict of its own: changing it changes nothing here."""
        return json.loads(self.spec_json)

    @classmethod
    def of(cls, spec: dict[str, Any] | dlcore.ModelSpec, *, preset: str | None = None) -> BuildState:
        """A whole new model (a preset, an upload, a link): every layer gets a new id, none is selected."""
        data = spec.to_dict() if isinstance(spec, dlcore.ModelSpec) else dict(spec)
        data.setdefault("layers", [])
        return cls(json.dumps(data), tuple(fresh_id() for _ in data["layers"]), preset=preset)

    def with_spec(self, spec: dict[str, Any], **changes: Any) -> BuildState:
        """This state with `spec` (and `changes` to the other fields, e.g. new layer ids)."""
        return dataclasses.replace(self, spec_json=json.dumps(spec), **changes)


def starting_state() -> BuildState:
    return BuildState.of(dlcore.presets()[STARTING_PRESET], preset=STARTING_PRESET)


def validate(state: BuildState) -> None:
    """Raise SpecError (in a student's words) when the model's structure is broken. A model whose layers
    do not fit together is valid here: the page shows it and marks the layer to change."""
    dlcore.ModelSpec.from_dict(state.spec)


def from_query(query: Mapping[str, str]) -> tuple[BuildState, list[str]]:
    """The model in a link (`?model=...`); the starting model, with a notice, if the link's is unusable."""
    token = query.get(MODEL_PARAM)
    if token is None:
        return starting_state(), []
    try:
        spec = dlcore.ModelSpec.from_dict(dlcore.links.unpack(token))
    except dlcore.DlcoreError as err:
        reason = str(err).rstrip(".")
        problem = "The model in this link could not be opened, so you have the starting model instead. "
        return starting_state(), [f"{problem}{reason[:1].upper()}{reason[1:]}."]
    return BuildState.of(spec), []


def to_query(state: BuildState) -> dict[str, str]:
    """The link's parameters: the model in its shortest spec form (fields at their defaults left out)."""
    return {MODEL_PARAM: dlcore.links.pack(dlcore.ModelSpec.from_dict(state.spec).to_dict())}


BUILD: PageState[BuildState] = PageState(keys.BUILD, from_query, to_query, validate)
