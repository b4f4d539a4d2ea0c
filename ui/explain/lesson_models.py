"""The cheating-model lesson: two CNNs on the shapes, one trained with a spurious corner mark, one without.

Both are trained with the ordinary training engine as jobs of this tab (a few seconds each) and kept as
snapshots in this tab's session state; the page then shows where each one looks.
"""

from __future__ import annotations

import streamlit as st

import dlcore
from ui.errors import show_error
from ui.inspect.subject import small_cnn, wait_for
from ui.session import session_owner
from ui.state import EXPLAIN_LESSON

LESSON_MODEL = small_cnn("shapes CNN", [1, 28, 28], 4, (8, 16), (0, 1), 32)
LESSON_TRAINING = {"epochs": 8, "lr": 3e-3, "batch_size": 32}
LESSON_WAIT_S = 90


def train_lesson_models() -> dict:
    """Train the cheater (spurious_cue=True) and the honest model; return their snapshots and data."""
    spec = dlcore.ModelSpec.from_dict(LESSON_MODEL)
    lesson = {}
    for role, cue in (("cheater", True), ("honest", False)):
        ds = dlcore.data.load("shapes", spurious_cue=cue)
        job = dlcore.start_training(spec, ds, dlcore.TrainConfig(**LESSON_TRAINING), owner=session_owner())
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
