"""The attention tab: a small transformer learns reverse, sort, copy or add while every head of every layer
shows, for one test input, where each position looks, with the tokens on the axes; the positional codes
and the loss beside (dlcore.sequences.attention)."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from dlcore import plots
from ui import state as keys
from ui.sequences.controls import param_widget
from ui.sequences.tab_run import TabRun
from ui.sequences.tabs import Tab, register_tab, tab_state
from ui.steady_chart import steady_chart

attention = dlcore.sequences.attention
ATTENTION = tab_state("attention")
PARAM = attention.PARAM
KEY = "seq-attention"
VIEWS_PX = 640  # the views' column at 1280×720 with the sidebar open


def _begin(state):
    ds = attention.dataset(state)
    return attention.model_spec(state, ds), ds, attention.train_config(state)


RUN = TabRun(keys.SEQ_ATTENTION_RUN, ATTENTION, _begin)


@st.cache_data(max_entries=8, show_spinner=False)
def _untrained(state):
    """Before Start: the maps of the state's model with its first weights (the same every time)."""
    ds = attention.dataset(state)
    return attention.attention_view(attention.untrained_model(state, ds), state, ds)


def _views(job) -> None:
    state = ATTENTION.current()
    if job is None:
        view = _untrained(state)
        st.caption("The untrained model: press Start and watch the patterns form.")
    else:
        shown = dataclasses.replace(RUN.started(), example=state.example)  # the run's setup, today's input
        view = attention.attention_view(job.snapshot(), shown, job.dataset)
        st.caption(_progress(job, view))
    maps = plots.attention_layers(view.maps, view.queries, view.keys, width_px=VIEWS_PX)
    steady_chart(maps, key=f"{KEY}-maps")
    left, right = st.columns([1.2, 1])
    with left:
        if view.positions is None:
            st.info("No positional encoding: attention sees the tokens in no order.", icon=":material/info:")
        else:
            steady_chart(plots.positional_codes(view.positions), key=f"{KEY}-positions")
    with right:
        metrics = (job.metrics(), job.epoch_metrics()) if job is not None else (None, None)
        steady_chart(plots.loss_curve(*metrics), key=f"{KEY}-loss")


def _progress(job, view) -> str:
    progress, epochs = job.progress(), job.epoch_metrics()
    accuracy = epochs["val_accuracy"].iloc[-1] if "val_accuracy" in epochs else None
    scored = f", validation accuracy {accuracy:.0%}" if accuracy is not None else ""
    right = sum(a == w for a, w in zip(view.answer, view.written, strict=True))
    answer, written = " ".join(view.answer), " ".join(view.written)
    return (
        f"Epoch {progress.get('epoch', 0)}/{progress.get('epochs') or '∞'}{scored}. This input's answer: "
        f"{answer}; the model writes {written} ({right}/{len(view.answer)} right)."
    )


def draw_attention() -> None:
    """The run bar, the settings in a narrow column, and the live views beside them (above the fold)."""
    state = ATTENTION.current()
    with RUN.bar(KEY):
        with st.popover("Training", icon=":material/tune:"):
            for name in ("lr", "epochs", "seed", "length"):
                param_widget(ATTENTION, PARAM[name], getattr(state, name), f"{KEY}.{name}")
    settings, views = st.columns([1, 3.4])
    with settings:
        for name in ("task", "mask", "positions", "layers", "heads", "width", "example"):
            param_widget(ATTENTION, PARAM[name], getattr(state, name), f"{KEY}.{name}")
    with views:
        RUN.live(_views)


register_tab(Tab("attention", "Attention", draw_attention, ATTENTION))
