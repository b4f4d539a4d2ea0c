"""The playground's player bar: Play/Pause, Step and Reset (the app's one run bar, ui.run_controls), then
the lesson presets and the A/B switch in the same row, each as wide as its label (fixed-width columns cut
"Reset" and the A/B label short on a projector)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dlcore import playground as pg
from ui.playground import STATE, runs
from ui.run_controls import RunActions, run_bar
from ui.state import bind

PRESET_KEY = "pg-preset"
# Play and Pause are one button that every network follows; Step trains one epoch even while playing
PLAYER = RunActions(
    resume=runs.play,
    pause=runs.pause,
    step_epoch=runs.step,
    reset=runs.reset,
    step_pauses=True,
    labels={"resume": "Play", "step_epoch": "Step"},
    help={
        "pause": "Freeze training here; Step then trains one epoch at a time.",
        "step_epoch": "Train one epoch, then pause.",
        "reset": "Start again from fresh weights (same seed).",
    },
    primary=("resume", "pause"),
)


def player_bar(state: pg.Playground) -> None:
    """The run bar, with the lesson presets and the A/B switch after its buttons (unless hidden)."""
    with run_bar("pg", "running" if runs.is_playing() else "paused", PLAYER):
        if not state.hides("presets"):
            st.selectbox(
                "Lesson preset",
                list(pg.PRESETS),
                index=None,
                placeholder="Lesson preset…",
                label_visibility="collapsed",  # the placeholder says it: the row stays one button high
                key=PRESET_KEY,
                on_change=_apply_preset,
                width=360,
            )
        if not state.hides("compare"):
            bind("pg-compare", state.b is not None)
            st.toggle(
                "A/B: compare two networks",
                help="Train a second network on the same data at the same time, e.g. ReLU vs sigmoid.",
                **STATE.on_change("pg-compare", lambda s, on: replace(s, b=(s.b or s.a) if on else None)),
            )


def _apply_preset() -> None:
    name = st.session_state.get(PRESET_KEY)
    if name in pg.PRESETS:
        runs.pause()
        STATE.replace(pg.preset(name))
    st.session_state[PRESET_KEY] = None
