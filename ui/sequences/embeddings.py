"""The embeddings tab: the projector over the memory tab's model or one racer of the race."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from ui import state as keys
from ui.sequences.controls import param_row
from ui.sequences.projector import draw_projection, layer_choice
from ui.sequences.tabs import Tab, register_tab, tab_state
from ui.state import bind

embeddings = dlcore.sequences.embeddings
EMBEDDINGS = tab_state("embeddings")


def _job_of(source: str):
    """The job whose model the source names (the memory tab's, or the race's), or None before it trained."""
    return st.session_state.get(keys.SEQ_MEMORY_JOB if source == "memory" else keys.SEQ_RACE_JOB)


def _layer_picker(model, state) -> str:
    names = embeddings.projectable(model)
    layer = layer_choice(model, state.layer)
    bind("seq-embeddings.layer", layer)
    st.selectbox(
        "Layer",
        names,
        help=embeddings.PARAMS[1].help,
        **EMBEDDINGS.on_change("seq-embeddings.layer", _with_layer),
    )
    return layer


def _with_layer(state, layer: str):
    return dataclasses.replace(state, layer=layer)


def draw_embeddings() -> None:
    settings = tuple(p for p in embeddings.PARAMS if p.name != "layer")  # the layers: once the model is known
    param_row(EMBEDDINGS, settings, "seq-embeddings")
    state = EMBEDDINGS.current()
    job = _job_of(state.source)
    if job is None:
        where = "Recurrent memory" if state.source == "memory" else "Long-memory race"
        st.info(f"Train on the **{where}** tab first: its model is projected here.", icon=":material/info:")
        return
    model = job.snapshot(None if state.source == "memory" else state.source)
    moment = (job.id, state.source, job.progress().get("step"))
    layer = _layer_picker(model, state)
    draw_projection(model, job.dataset, layer, state.method, state.points, "seq-embeddings", moment)
    st.caption(
        "Each point is one test input (its colour: its class). Inputs the layer tells apart lie apart."
    )


register_tab(Tab("embeddings", "Embeddings", draw_embeddings, EMBEDDINGS))
