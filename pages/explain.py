"""Explain: why did the model say that? Captum attributions, a sanity check, and a model that cheats."""

import streamlit as st

import dlcore
from ui.explain.lesson import draw_lesson
from ui.explain.maps import METHODS
from ui.explain.sanity import draw_sanity
from ui.explain.why import draw_why
from ui.frame import require_frame
from ui.inspect.subject import require_subject, rewind_bar, snapshot_bar

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/lightbulb: Explain")
st.caption(f"Why did the model say that? {len(METHODS)} ways to ask — and a test of which answers to trust.")

held = require_subject("explain", classifier=True)
if held is not None:
    held = snapshot_bar(rewind_bar(held, key="explain_rewind"), key="explain_snapshot_button")
    why, sanity, cheating = st.tabs(["Why this prediction?", "Sanity check", "The cheating model"])
    conv_layers = dlcore.conv_layer_names(held.model)
    available = dlcore.attributions.usable_methods(held.model)
    with why:
        picked = draw_why(held, available, conv_layers)
    with sanity:
        draw_sanity(held, picked, available)
    with cheating:
        draw_lesson()
