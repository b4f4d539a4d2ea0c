"""The 2-D playground: TF Playground's lessons on the real engine, live, with A/B comparison.

Laid out for a 1280×720 projector: the run bar and the decision boundary sit above the fold, the boundary
at least 400 px wide (two of them side by side when comparing A and B)."""

import streamlit as st

from ui.frame import require_frame
from ui.playground import STATE, runs
from ui.playground.bar import player_bar
from ui.playground.classroom import classroom_panel
from ui.playground.data import data_column
from ui.playground.network import network_settings, network_shape
from ui.playground.views import STYLE, network_panel, output_panel, rewind_panel

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

state = STATE.current()
st.markdown(STYLE, unsafe_allow_html=True)
st.title(
    "2-D Playground",
    help="Pick a dataset, shape the network, press Play and watch every neuron learn. Real PyTorch "
    "underneath.",
)
for notice in STATE.take_notices():
    st.warning(notice, icon="⚠️")

player_bar(state)
STATE.sync_url()
runs.sync(state)

if state.b is None:  # TF Playground's order: data, the network, its output
    network_settings("A", state)
    data_col, network_col, output_col = st.columns([1.1, 1.9, 2.5], gap="small")
    with network_col:
        network_shape("A", state)
        network_panel("A", state)
    with output_col:
        output_panel("A", state)
else:  # A/B: the two outputs side by side at the top, each network's controls and picture below its own
    data_col, *side_cols = st.columns([1.1, 2.2, 2.2], gap="small")
    for side, column in zip(state.networks(), side_cols, strict=True):
        with column, st.container(border=True):
            st.markdown(f"#### Network {side}")
            output_panel(side, state)
            network_settings(side, state)
            network_shape(side, state)
            network_panel(side, state)
with data_col:
    rewind_panel(state)  # at the top: the boundary stays in view while the slider scrubs
    data_column(state)
classroom_panel(state)
