"""A page that draws only the Learning page's loss landscape tab (the AppTest and browser tests open it),
for the tab's job in session_state (a browser test trains a digits MLP for it on the first run)."""

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(
    0, str(Path(__file__).resolve().parents[3])
)  # this checkout's dlcore and ui, run from anywhere

import dlcore  # noqa: E402
from ui.learning.landscape import draw_landscape  # noqa: E402
from ui.session import session_owner  # noqa: E402
from ui.state import JOB  # noqa: E402

st.set_page_config(layout="wide")  # as app.py sets it
if JOB not in st.session_state and st.query_params.get("train") == "digits_mlp":
    preset = dlcore.preset_catalogue()["digits_mlp"]
    settings = dlcore.TrainConfig(**preset.settings)
    job = dlcore.start_training(preset.spec, dlcore.data.load("digits"), settings, owner=session_owner())
    job.wait(60)
    st.session_state[JOB] = job
st.title("Loss landscape")
draw_landscape()
