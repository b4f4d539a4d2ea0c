"""The cheating-model lesson: two CNNs on the shapes, one trained with a spurious corner mark, one without.

Both are trained with the ordinary training engine as jobs of this tab (a few seconds each) and kept as
snapshots in this tab's session state; the page then shows where each one looks.
"""

from __future__ import annotations

import streamlit as st

import dlcore
from ui.errors import show_error
from ui.inspect.subject import wait_for
from ui.session import session_owner
from ui.state import EXPLAIN_LESSON

# The CNN and its settings: the preset the lesson "saliency_cheating" (assets/lessons) trains and measures.
LESSON_PRESET = "shapes_cnn"
LESSON_WAIT_S = 90


def train_lesson_models() -> dict:
    """Train the cheater (spurious_cue=True) and the honest model; return their snapshots and data."""
    preset = dlcore.preset_catalogue()[LESSON_PRESET]
    lesson = {}
    for role, cue in (("cheater", True), ("honest", False)):
        ds = dlcore.data.load("shapes", spurious_cue=cue)
        config = dlcore.TrainConfig.from_dict(preset.settings)
        job = dlcore.start_training(preset.spec, ds, config, owner=session_owner())
        try:
            if not wait_for(job, LESSON_WAIT_S):
                raise dlcore.TrainError("training the lesson's models took too long: try again in a moment")
            if job.error:
                raise dlcore.TrainError(job.error)
            lesson[role] = job.snapshot()
            lesson[f"{role}_data"] = ds
        finally:
            job.stop()
    return lesson


def lesson_models() -> dict | None:
    """The trained lesson models of this tab, or None before the student has asked for them."""
    return st.session_state.get(EXPLAIN_LESSON)


def ensure_lesson_models(button_key: str) -> dict | None:
    """A button that trains both models (once); returns them when they exist."""
    if lesson_models() is None and st.button(
        "Train both models (about 10 s)", icon=":material/fitness_center:", type="primary", key=button_key
    ):
        with st.spinner("Training a cheater and an honest CNN on the shapes…"):
            try:
                st.session_state[EXPLAIN_LESSON] = train_lesson_models()
            except dlcore.DlcoreError as err:
                show_error(err)
                return None
        st.rerun()
    return lesson_models()
