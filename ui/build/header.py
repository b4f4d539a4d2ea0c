"""The model's header on the Build page: its title with the Clear button, its name and its input shape."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.build.state import BUILD, BuildState
from ui.state import bind
from ui.text import plain

NAME_WIDGET = f"{model.FIELD_WIDGETS}.name"
SHAPE_WIDGET = f"{model.FIELD_WIDGETS}.input_shape"


def _rename(state: BuildState, name: str) -> BuildState:
    return state.with_spec({**state.spec, "name": name.strip()})


def draw_header() -> None:
    """Title and Clear, then the name (bound to the model) and the input shape (a refused entry stays in
    its box with the reason beside it, and the model keeps its last good shape)."""
    title_col, clear_col = st.columns([3, 1], vertical_alignment="bottom")
    title_col.subheader("Your model")
    clear_col.button(
        "Clear",
        icon=":material/delete_sweep:",
        type="tertiary",
        help="Start a new model of your own: no layers, no name (the input shape stays).",
        on_click=model.clear_model,
    )
    name_col, shape_col = st.columns([1, 1])
    spec = model.model_dict()
    with name_col:
        bind(NAME_WIDGET, spec.get("name", ""))
        st.text_input(
            "Model name",
            placeholder="your model",
            help="What the pages, the downloads and the exported PyTorch class call this model.",
            **BUILD.on_change(NAME_WIDGET, _rename),
        )
    param = dlcore.INPUT_SHAPE_PARAM
    with shape_col:
        raw = forms.param_widget(param, spec["input_shape"], SHAPE_WIDGET)
    try:
        model.set_model_field("input_shape", list(param.coerce(forms.parse_value(param, raw))))
    except ValueError as err:
        st.error(plain(err), icon="✏️")
