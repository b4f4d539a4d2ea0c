"""The 2-D playground: TF Playground's lessons on the real engine, live, with A/B comparison."""

import streamlit as st

from ui import playground_controls as controls
from ui import playground_runs as runs
from ui import playground_state as store
from ui.playground_views import STYLE, network_panel

state = store.current()
st.markdown(STYLE, unsafe_allow_html=True)
st.title("2-D Playground")
st.caption(
    "Tinker with a neural network right here in your browser: pick a dataset, shape the network, press Play "
    "and watch every neuron learn. Real PyTorch underneath."
)
for notice in store.take_notices():
    st.warning(notice, icon="⚠️")

controls.player_bar(state)
store.sync_url(state)
runs.sync(state)

data_col, main_col = st.columns([1.2, 5], gap="large")
with data_col:
    controls.data_column(state)
with main_col:
    # A/B: the two networks side by side, trained at once on the same points
    for side, column in zip(state.networks(), st.columns(len(state.networks())), strict=True):
        with column, st.container(border=state.b is not None):
            if state.b is not None:
                st.markdown(f"#### Network {side}")
            controls.network_settings(side, state)
            controls.network_shape(side, state)
            network_panel(side, state)
controls.classroom_panel(state)
