"""Transfer learning on the Train page: a run's (or an uploaded model's) weights kept to start the next
runs from. Start then loads them into the model on Build wherever a layer's name and shapes fit, and the
page says which layers took them and which started fresh."""

from __future__ import annotations

import streamlit as st

from ui.state import START_WEIGHTS
from ui.text import plain
from ui.train.live import run_models


def keep(name: str, checkpoint: bytes) -> None:
    """Keep `checkpoint`'s weights (a saved model, as bytes) to start the next runs from."""
    st.session_state[START_WEIGHTS] = {"name": name, "bytes": checkpoint, "use": True}


def keep_run(job, checkpoint: bytes) -> None:
    """Keep the weights of `job` (its checkpoint) for the next runs."""
    keep(f"{run_models(job, 'your model')} trained on {job.dataset.name}", checkpoint)


def start_weights() -> bytes | None:
    """The kept weights Start should load (None: the student switched them off, or kept none)."""
    kept = st.session_state.get(START_WEIGHTS)
    return kept["bytes"] if kept and kept["use"] else None


def draw_start_from(disabled: bool = False) -> None:
    """The switch between starting from the kept weights and starting fresh (nothing if none are kept)."""
    kept = st.session_state.get(START_WEIGHTS)
    if kept is None:
        return
    kept["use"] = st.toggle(
        f"Start from the weights of {plain(kept['name'])}",
        value=kept["use"],
        disabled=disabled,
        help="On: layers whose name and shapes fit take the kept weights (the others start fresh); switch "
        "a layer's 'trainable' off on the Build page to freeze it. Off: every layer starts from random "
        "weights.",
    )


def draw_report(job) -> None:
    """Which layers of the run started from kept weights, and which started fresh."""
    if job is not None and job.transfer is not None:
        st.caption(f":material/move_down: {plain(job.transfer.sentence)}")
