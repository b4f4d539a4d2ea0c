"""The memory tab: train one RNN, LSTM or GRU and watch, for one input, its hidden state, its gates and the
gradient that reaches each time step, live (dlcore.sequences.memory)."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui import state as keys
from ui.sequences.controls import param_row
from ui.sequences.jobs import TabJob
from ui.sequences.tabs import Tab, register_tab, tab_state
from ui.steady_chart import steady_chart

memory = dlcore.sequences.memory
MEMORY = tab_state("memory")
JOB = TabJob(keys.SEQ_MEMORY_JOB)


def _start() -> None:
    state = MEMORY.current()
    ds = memory.memory_dataset(state)
    JOB.start(memory.memory_spec(state, ds), ds, memory.memory_config(state))


@st.cache_data(max_entries=8, show_spinner=False)
def _untrained(state):
    """Before Start: the views of the state's model with its first weights (the same every time)."""
    ds = memory.memory_dataset(state)
    return memory.untrained_view(state, ds)


def _views(job) -> None:
    if job is None:
        view = _untrained(MEMORY.current())
    else:
        x, y = job.dataset.test
        view = memory.memory_view(job.snapshot(), x[0], int(y[0]))
        st.caption(_progress(job, view))
    left, right = st.columns([1, 1])
    with left:
        steady_chart(plots.hidden_heatmap(view.hidden, height=195), key="seq-memory-hidden")
        steady_chart(plots.step_gradients(view.input_grad, height=185), key="seq-memory-grad")
    with right:
        steady_chart(plots.gates_heatmaps(view.gates, height=390), key="seq-memory-gates")


def _progress(job, view) -> str:
    progress, epochs = job.progress(), job.epoch_metrics()
    accuracy = epochs["val_accuracy"].iloc[-1] if "val_accuracy" in epochs else None
    shown = f", validation accuracy {accuracy:.0%}" if accuracy is not None else ""
    return (
        f"Epoch {progress.get('epoch', 0)}{shown}. This input's answer: class {view.target}; "
        f"the model says {view.prediction}."
    )


def draw_memory() -> None:
    param_row(MEMORY, memory.PARAMS, "seq-memory")
    JOB.bar("seq-memory", _start)
    JOB.live(_views)


register_tab(Tab("memory", "Recurrent memory", draw_memory, MEMORY))
