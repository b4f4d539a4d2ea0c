"""The model being built, shared by every page: reading it and every edit to it.

The model lives in `ui.build.state.BUILD` (a frozen BuildState: the spec as an immutable value, its layer
ids, the selected layer, the preset). Every edit here replaces that state whole; `model_dict()` hands out
a copy, so a reader can never change the model by changing what it got.

The model's name box is bound to the model (set from it before each draw). Boxes whose entry can be
refused, the model's other fields ("model.<field>") and a layer's parameters ("<layer id>.<param>"), are
seeded from the model when first drawn and then keep what the student typed, so a refused entry stays in
its box beside its error; an edit made by anything else (a preset, a link, an upload, a fix button)
forgets them, so they are seeded again from the new model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

import dlcore
from ui import forms
from ui.build.state import BUILD, BuildState, fresh_id

FIELD_WIDGETS = "model"  # the key prefix of the model fields' widgets: "model.name", "model.input_shape"


def model_dict() -> dict[str, Any]:
    """The current spec as a new dict (a new tab starts from its link, else the starting preset)."""
    return BUILD.current().spec


def layer_ids() -> list[str]:
    return list(BUILD.current().layer_ids)


def model_spec() -> dlcore.ModelSpec:
    """The current spec as a ModelSpec."""
    return dlcore.ModelSpec.from_dict(model_dict())


def is_current(spec: dlcore.ModelSpec) -> bool:
    """Whether `spec` (a run's, an upload's) is the model being built now."""
    try:
        return model_spec() == spec
    except dlcore.DlcoreError:  # the model being built is broken: it is not that one
        return False


def set_model(spec: dict[str, Any] | dlcore.ModelSpec, *, preset: str | None = None) -> bool:
    """Replace the whole model (a preset, an upload); every layer gets a new id and fresh widgets.

    `preset` is the key of the preset it comes from (None: the student's own model). A spec whose
    structure is broken is refused with a notice and the model kept; returns whether it was taken."""
    if not BUILD.replace(BuildState.of(spec, preset=preset)):
        return False
    forms.forget_widgets(FIELD_WIDGETS)  # re-seed the model-level widgets from the new spec
    return True


def clear_model() -> None:
    """A fresh, empty model of the student's own: no name, description, suggested dataset or preset.
    The input shape stays, so the dataset chosen on the Train page still fits the first layer."""
    set_model({"input_shape": model_dict()["input_shape"], "layers": []})


def current_preset() -> dlcore.Preset | None:
    """The preset the model was loaded from, while it is still that preset's architecture (same input
    shape and layers; a renamed preset still counts), else None."""
    state = BUILD.current()
    preset = dlcore.preset_catalogue().get(state.preset or "")
    if preset is None:
        return None
    spec, original = state.spec, preset.spec.to_dict()
    same = list(spec["input_shape"]) == original["input_shape"] and spec["layers"] == original["layers"]
    return preset if same else None


def file_stem(name: str) -> str:
    """A file name for a model called `name`: "Digits MLP" -> "digits_mlp"; "model" when unnamed."""
    return re.sub(r"\W+", "_", name).strip("_").lower() or "model"


def set_model_field(key: str, value: Any, *, reset_widget: bool = False) -> None:
    """Set a model-level field such as input_shape, name or init (nothing happens if it has that value).

    `reset_widget` re-seeds the field's widget from the new value (for changes made by a button, not by
    the widget itself)."""
    spec = model_dict()
    if key not in spec or spec[key] != value:
        BUILD.update(lambda state: state.with_spec({**spec, key: value}))
    if reset_widget:
        st.session_state.pop(f"{FIELD_WIDGETS}.{key}", None)


def insert_layer(index: int, layer: dict[str, Any]) -> str:
    """Insert `layer` (flat dict form) at `index`; it becomes the selected layer. Returns its id."""
    state = BUILD.current()
    spec, ids = state.spec, list(state.layer_ids)
    index = max(0, min(index, len(ids)))
    layer_id = fresh_id()
    spec["layers"].insert(index, layer)
    ids.insert(index, layer_id)
    BUILD.replace(state.with_spec(spec, layer_ids=tuple(ids), selected=layer_id))
    return layer_id


def move_layer(from_index: int, to_index: int) -> None:
    """Move a layer; `to_index` is its position before removal (as drag-and-drop reports it)."""
    state = BUILD.current()
    spec, ids = state.spec, list(state.layer_ids)
    if not 0 <= from_index < len(ids):
        return
    if from_index < to_index:
        to_index -= 1
    layer, layer_id = spec["layers"].pop(from_index), ids.pop(from_index)
    to_index = max(0, min(to_index, len(ids)))
    spec["layers"].insert(to_index, layer)
    ids.insert(to_index, layer_id)
    BUILD.replace(state.with_spec(spec, layer_ids=tuple(ids)))


def remove_layer(layer_id: str) -> None:
    state = BUILD.current()
    if layer_id not in state.layer_ids:
        return
    index = state.layer_ids.index(layer_id)
    spec = state.spec
    del spec["layers"][index]
    ids = state.layer_ids[:index] + state.layer_ids[index + 1 :]
    selected = None if state.selected == layer_id else state.selected
    BUILD.replace(state.with_spec(spec, layer_ids=ids, selected=selected))


def layer_change(layer_id: str, values: dict[str, Any]) -> BuildState:
    """The state with some of a layer's parameters set (the others kept); it is not made current."""
    state = BUILD.current()
    spec = state.spec
    layer = spec["layers"][state.layer_ids.index(layer_id)]
    layer.update({key: list(value) if isinstance(value, tuple) else value for key, value in values.items()})
    return state.with_spec(spec)


def update_layer(layer_id: str, values: dict[str, Any], *, reset_widgets: bool = False) -> None:
    """Set some of a layer's parameters (the others are kept). `reset_widgets` re-seeds the layer's
    widgets from the new values (for changes made by a button rather than by the widgets themselves)."""
    new = layer_change(layer_id, values)
    if new != BUILD.current() and BUILD.replace(new) and reset_widgets:
        for key in values:
            st.session_state.pop(f"{layer_id}.{key}", None)


def selected_layer_id() -> str | None:
    return BUILD.current().selected


def select_layer(layer_id: str | None) -> None:
    BUILD.update(lambda state: replace(state, selected=layer_id))


def new_layer(layer_type: str) -> dict[str, Any]:
    """A sensible starting layer of `layer_type` (the catalogue's example; other params at defaults)."""
    return dlcore.layer_catalogue()[layer_type].example_dict()


@dataclass
class Analysis:
    """What the Build page shows about the current model.

    `summary` is dlcore.summarize's table for the whole model, or, when a layer does not fit, for the
    layers before it (so the shapes up to the problem stay visible); `error` is the first problem.
    """

    summary: Any  # pandas DataFrame or None (ui/ reaches pandas only through dlcore)
    error: dlcore.DlcoreError | None

    @property
    def total_params(self) -> int:
        if self.summary is None or self.summary.empty:
            return 0
        return int(self.summary.loc[self.summary["depth"] == 0, "params"].sum())

    @property
    def frozen_params(self) -> int:
        """The parameters of frozen layers (`trainable` off): training leaves them as they are."""
        return 0 if self.summary is None else int(self.summary.attrs.get("frozen_params", 0))


def analyse(spec: dict[str, Any]) -> Analysis:
    """Summarise `spec`; on a SpecError, summarise the layers before the culprit instead."""
    try:
        return Analysis(dlcore.summarize(dlcore.ModelSpec.from_dict(spec)), None)
    except dlcore.DlcoreError as err:
        index = getattr(err, "layer_index", None)
        if not index:
            return Analysis(None, err)
        try:
            prefix = dlcore.ModelSpec.from_dict({**spec, "layers": spec["layers"][:index]})
            return Analysis(dlcore.summarize(prefix), err)
        except dlcore.DlcoreError:
            return Analysis(None, err)
