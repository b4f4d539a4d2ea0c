"""The state-space tab: train a DiagonalSSM or SelectiveSSM to remember across a gap and watch, live, how
far back each channel remembers (its half-life) and the layer's impulse response
(dlcore.sequences.state_space)."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui import state as keys
from ui.sequences.controls import param_widget
from ui.sequences.jobs import TabJob
from ui.sequences.tabs import Tab, register_tab, tab_state
from ui.steady_chart import steady_chart

ssm = dlcore.sequences.state_space
STATE_SPACE = tab_state("state_space")
JOB = TabJob(keys.SEQ_SSM_JOB)


def _start() -> None:
    state = STATE_SPACE.current()
    ds = ssm.ssm_dataset(state)
    JOB.start(ssm.ssm_spec(state, ds), ds, ssm.ssm_config(state))


@st.cache_data(max_entries=8, show_spinner=False)
def _start_view(state):
    """The views of the state's model with its first weights (the same every time for the same state)."""
    return ssm.start_view(state, ssm.ssm_dataset(state))


def _views(job) -> None:
    state = STATE_SPACE.current()
    start = _start_view(state)
    view = start
    if job is not None:
        view = ssm.memory_view(job.snapshot(), ssm.view_sequences(job.dataset), start.half_lives)
    st.caption(_summary(job, view, state.delay))
    left, right = st.columns([1, 1])
    with left:
        figure = plots.half_life_bars(view.half_lives, view.start_half_lives, state.delay)
        steady_chart(figure, key="seq-ssm-half-lives")
    with right:
        steady_chart(plots.impulse_response_heatmap(view.response), key="seq-ssm-response")


def _summary(job, view, delay: int) -> str:
    longest = float(view.half_lives.max())
    reach = "reaches past" if longest >= delay else "falls short of"
    memory = f"The longest memory, {longest:.3g} steps, {reach} the gap of {delay}."
    if job is None:
        return f"Before training. {memory} Press Start and watch the bars grow."
    epochs = job.epoch_metrics()
    accuracy = epochs["val_accuracy"].iloc[-1] if "val_accuracy" in epochs else None
    shown = f", validation accuracy {accuracy:.0%}" if accuracy is not None else ""
    return f"Epoch {job.progress().get('epoch', 0)}{shown}. {memory}"


def draw_state_space() -> None:
    state = STATE_SPACE.current()
    for column, param in zip(st.columns([1.5, 1, 1, 1, 1, 1]), ssm.PARAMS, strict=True):
        with column:  # the layer's name is the longest value: its column is wider, so it shows whole
            param_widget(STATE_SPACE, param, getattr(state, param.name), f"seq-ssm-settings.{param.name}")
    JOB.bar("seq-ssm", _start)
    JOB.live(_views)


register_tab(Tab("state_space", "State-space memory", draw_state_space, STATE_SPACE))
