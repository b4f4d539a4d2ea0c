"""The embedding projector, for any page holding a model and its dataset (the Sequences page's embeddings
tab, the Inspect page): pick a layer, PCA or t-SNE, hover a point to see which input it is."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui import state as keys
from ui.errors import show_error

embeddings = dlcore.sequences.embeddings


def layer_choice(model, chosen: str) -> str:
    """The layer to project: `chosen` if the model has it, else the one its output layer reads."""
    return chosen if chosen in embeddings.projectable(model) else embeddings.default_layer(model)


def draw_projection(model, ds, layer: str, method: str, points: int, key: str, moment) -> None:
    """The projection of `layer` of `model` on `ds`'s test inputs, made once per `moment` (which model, at
    which step) and choice: t-SNE takes seconds."""
    made_for = (key, moment, layer, method, points)
    held = st.session_state.get(keys.SEQ_EMBEDDINGS)
    if held is None or held[0] != made_for:
        try:
            with st.spinner("Projecting…" if method == "pca" else "t-SNE takes a few seconds…"):
                held = (made_for, embeddings.projection(model, ds, layer, method, points))
        except dlcore.DlcoreError as err:
            show_error(err)
            return
        st.session_state[keys.SEQ_EMBEDDINGS] = held
    st.plotly_chart(plots.projection_figure(held[1]), key=f"{key}-projection", theme=None)


def draw_projector(model, ds, key: str, moment) -> None:
    """Layer and method chosen here (the Inspect page), then the projection of the model at `moment`."""
    names = embeddings.projectable(model)
    layer_column, method_column = st.columns(2)
    layer = layer_column.selectbox(
        "Layer", names, index=names.index(embeddings.default_layer(model)), key=f"{key}-layer"
    )
    method = method_column.radio(
        "Projection", embeddings.METHODS, format_func=str.upper, horizontal=True, key=f"{key}-method"
    )
    draw_projection(model, ds, layer, method, 300, key, moment)
