"""The dataset: its select box, description and options, and the loaded data (cached process-wide)."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

import dlcore
import dlcore.data
from dlcore import plots
from ui import forms
from ui.errors import show_error
from ui.state import bind
from ui.train import state


@st.cache_resource(max_entries=24, show_spinner="Preparing the dataset…")
def _load(name: str, options_json: str):
    # Process-wide and read-only: every tab training on the same data shares one copy of the tensors.
    return dlcore.data.load(name, **json.loads(options_json))


@st.cache_resource(max_entries=24, show_spinner=False)
def _preview(name: str, options_json: str):
    return plots.dataset_preview(_load(name, options_json))


def _options_json(options: dict[str, Any]) -> str:
    return json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in options.items()}, sort_keys=True)


def load_dataset(current=None):
    """The Dataset the page's state (or `current`) names (cached, shared; never mutate it). Raises
    DataError on a bad option."""
    current = current or state.current()
    return _load(current.dataset, _options_json(dict(current.data_options)))


def dataset_preview():
    current = state.current()
    return _preview(current.dataset, _options_json(dict(current.data_options)))


def draw_dataset_picker() -> None:
    """Dataset select box, its description and its options form (written back to the page's state)."""
    names = dlcore.data.names()
    name = state.current().dataset
    bind(state.DATASET_WIDGET, name)
    st.selectbox(
        "Dataset",
        names,
        format_func=lambda n: f"{n} ({dlcore.data.info(n).family})",
        help="Every dataset is generated or shipped with the app: nothing is downloaded.",
        **state.TRAIN.on_change(state.DATASET_WIDGET, state.with_dataset),
    )
    info = dlcore.data.info(name)
    st.caption(f"{info.description} Task: **{info.task}**.")
    options = dict(state.current().data_options)
    holdout = options.pop(dlcore.data.HOLDOUT, None)  # no form shows a challenge's key: it is kept as it is
    if holdout:
        st.caption("A classroom challenge's data: some examples are kept hidden, to score what you hand in.")
    with st.expander("Dataset options"):
        values, errors = forms.param_form(dlcore.data.options(name), options, state.data_widgets(name))
    if not errors:
        state.set_data_options(values | ({dlcore.data.HOLDOUT: holdout} if holdout else {}))


def draw_data() -> Any:
    """The dataset picker and a preview of the data; returns the Dataset, or None (its error shown)."""
    draw_dataset_picker()
    try:
        dataset = load_dataset()
        st.plotly_chart(dataset_preview(), key="dataset_preview", config={"displayModeBar": False})
        return dataset
    except dlcore.DlcoreError as err:
        show_error(err)
        return None
