"""The model being built, kept in st.session_state as plain spec data and shared by every page.

`st.session_state["model"]` is the spec as a dict (ModelSpec.to_dict form), so it round-trips through
JSON and can never hold a half-built torch module. Each top-level layer also has a stable id, kept in a
list parallel to the layers, so a layer's widgets follow it when it is dragged to a new position. All
edits go through the functions here, which keep the two lists in step.
"""

from __future__ import annotations

import copy
import itertools
import re
from dataclasses import dataclass
from typing import Any

import streamlit as st

import dlcore

MODEL_KEY = "model"
IDS_KEY = "model_layer_ids"
SELECTED_KEY = "selected_layer_id"
PRESET_KEY = "model_preset"  # the key of the preset the model was loaded from; None for the student's own
STARTING_PRESET = "digits_mlp"  # what a new tab starts with: the Train page's first dataset, 8x8 digits
MODEL_FIELDS = ("input_shape", "init", "init_std", "name")
_ids = itertools.count(1)


def _fresh_id() -> str:
    return f"layer{next(_ids)}"


def model_dict() -> dict[str, Any]:
    """The current spec as a dict (a new model is started from the default preset)."""
    if MODEL_KEY not in st.session_state:
        set_model(dlcore.presets()[STARTING_PRESET], preset=STARTING_PRESET)
    return st.session_state[MODEL_KEY]


def layer_ids() -> list[str]:
    model_dict()
    return st.session_state[IDS_KEY]


def model_spec() -> dlcore.ModelSpec:
    """The current spec as a ModelSpec (raises SpecError if its structure is broken)."""
    return dlcore.ModelSpec.from_dict(model_dict())


def is_current(spec: dlcore.ModelSpec) -> bool:
    """Whether `spec` (a run's, an upload's) is the model being built now."""
    try:
        return model_spec() == spec
    except dlcore.DlcoreError:  # the model being built is broken: it is not that one
        return False


def set_model(spec: dict[str, Any] | dlcore.ModelSpec, *, preset: str | None = None) -> None:
    """Replace the whole model (a preset, an upload); every layer gets a new id and fresh widgets.

    `preset` is the key of the preset it comes from (None: the student's own model)."""
    data = spec.to_dict() if isinstance(spec, dlcore.ModelSpec) else copy.deepcopy(spec)
    data.setdefault("layers", [])
    st.session_state[MODEL_KEY] = data
    st.session_state[PRESET_KEY] = preset
    st.session_state[IDS_KEY] = [_fresh_id() for _ in data["layers"]]
    st.session_state[SELECTED_KEY] = None
    for key in MODEL_FIELDS:
        st.session_state.pop(f"model.{key}", None)  # re-seed the model-level widgets from the new spec


def clear_model() -> None:
    """A fresh, empty model of the student's own: no name, description, suggested dataset or preset.
    The input shape stays, so the dataset chosen on the Train page still fits the first layer."""
    set_model({"input_shape": model_dict()["input_shape"], "layers": []})


def current_preset() -> dlcore.Preset | None:
    """The preset the model was loaded from, while it is still that preset's architecture (same input
    shape and layers; a renamed preset still counts), else None."""
    spec = model_dict()
    preset = dlcore.preset_catalogue().get(st.session_state.get(PRESET_KEY) or "")
    if preset is None:
        return None
    original = preset.spec.to_dict()
    same = list(spec["input_shape"]) == original["input_shape"] and spec["layers"] == original["layers"]
    return preset if same else None


def file_stem(name: str) -> str:
    """A file name for a model called `name`: "Digits MLP" -> "digits_mlp"; "model" when unnamed."""
    return re.sub(r"\W+", "_", name).strip("_").lower() or "model"


def set_model_field(key: str, value: Any, *, reset_widget: bool = False) -> None:
    """Set a model-level field such as input_shape, name or init.

    `reset_widget` re-seeds the field's widget from the new value (for changes made by a button, not by
    the widget itself)."""
    model_dict()[key] = value
    if reset_widget:
        st.session_state.pop(f"model.{key}", None)


def insert_layer(index: int, layer: dict[str, Any]) -> str:
    """Insert `layer` (flat dict form) at `index`; it becomes the selected layer. Returns its id."""
    layers, ids = model_dict()["layers"], layer_ids()
    index = max(0, min(index, len(layers)))
    layer_id = _fresh_id()
    layers.insert(index, copy.deepcopy(layer))
    ids.insert(index, layer_id)
    st.session_state[SELECTED_KEY] = layer_id
    return layer_id


def move_layer(from_index: int, to_index: int) -> None:
    """Move a layer; `to_index` is its position before removal (as drag-and-drop reports it)."""
    layers, ids = model_dict()["layers"], layer_ids()
    if not 0 <= from_index < len(layers):
        return
    if from_index < to_index:
        to_index -= 1
    layer, layer_id = layers.pop(from_index), ids.pop(from_index)
    to_index = max(0, min(to_index, len(layers)))
    layers.insert(to_index, layer)
    ids.insert(to_index, layer_id)


def remove_layer(layer_id: str) -> None:
    ids = layer_ids()
    if layer_id in ids:
        index = ids.index(layer_id)
        del model_dict()["layers"][index]
        del ids[index]
    if st.session_state.get(SELECTED_KEY) == layer_id:
        st.session_state[SELECTED_KEY] = None


def update_layer(layer_id: str, values: dict[str, Any], *, reset_widgets: bool = False) -> None:
    """Set some of a layer's parameters (the others are kept). `reset_widgets` re-seeds the layer's
    widgets from the new values (for changes made by a button rather than by the widgets themselves)."""
    index = layer_ids().index(layer_id)
    layer = model_dict()["layers"][index]
    for key, value in values.items():
        layer[key] = list(value) if isinstance(value, tuple) else value
        if reset_widgets:
            st.session_state.pop(f"{layer_id}.{key}", None)


def selected_layer_id() -> str | None:
    selected = st.session_state.get(SELECTED_KEY)
    return selected if selected in layer_ids() else None


def select_layer(layer_id: str | None) -> None:
    st.session_state[SELECTED_KEY] = layer_id


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
