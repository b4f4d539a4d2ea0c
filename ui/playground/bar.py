"""The playground's player bar: Play/Pause, Step and Reset (the app's one run bar, ui.run_controls), then
the menu of the course's playground lessons and the A/B switch in the same row, each as wide as its label
(fixed-width columns cut "Reset" and the A/B label short on a projector)."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dlcore import lessons
from dlcore import playground as pg
from ui.lessons.opening import open_lesson
from ui.playground import STATE, runs
from ui.run_controls import player, run_bar
from ui.state import bind

LESSON_MENU = "pg-lesson"
# Play and Pause are one button that every network follows; Step trains one epoch even while playing
PLAYER = player(runs.play, runs.pause, runs.step, runs.reset)


def player_bar(state: pg.Playground) -> None:
    """The run bar, with the lessons menu and the A/B switch after its buttons (unless hidden)."""
    with run_bar("pg", "running" if runs.is_playing() else "paused", PLAYER):
        if not state.hides("presets"):
            on_page = {x.id: x for x in lessons.offered_course()[0].lessons if x.page == "playground"}
            st.selectbox(
                "Lesson",
                list(on_page),
                format_func=lambda lesson_id: on_page[lesson_id].title,
                index=None,
                placeholder="Open a lesson…",
                label_visibility="collapsed",  # the placeholder says it: the row stays one button high
                key=LESSON_MENU,
                on_change=_open_chosen,
                args=(on_page,),
                width=360,
            )
        if not state.hides("compare"):
            bind("pg-compare", state.b is not None)
            st.toggle(
                "A/B: compare two networks",
                help="Train a second network on the same data at the same time, e.g. ReLU vs sigmoid.",
                **STATE.on_change("pg-compare", lambda s, on: replace(s, b=(s.b or s.a) if on else None)),
            )


def _open_chosen(on_page: dict[str, lessons.Lesson]) -> None:
    """Open the lesson chosen in the menu here: its state, and its card in the sidebar."""
    chosen = on_page.get(st.session_state.get(LESSON_MENU))
    if chosen is not None:
        open_lesson(chosen)
    st.session_state[LESSON_MENU] = None
