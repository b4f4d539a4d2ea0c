"""The Learning page's state in this tab: one frozen `dlcore.learning.LearningState` (the tool open, the
stepper's network, the race's surface, start and racers, the finder's sweep) held by a PageState, read
from the link on the first visit and mirrored to it."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from ui import state as keys
from ui.state import PageState

link = dlcore.learning.link
LEARNING: PageState[dlcore.learning.LearningState] = PageState(
    keys.LEARNING, link.from_query, link.to_query, link.validate
)


def current() -> dlcore.learning.LearningState:
    return LEARNING.current()


def show_notices() -> None:
    """What a link got wrong and changes that were refused, once each."""
    for notice in LEARNING.take_notices():
        st.warning(notice, icon=":material/info:")


def net_change(field: str):
    """A widget callback's change of one field of the stepper's network (back to round 0)."""
    return lambda state, value: dataclasses.replace(
        state, net=dataclasses.replace(state.net, **{field: value}, rounds=0)
    )


def bind_tabs(key: str, label: str) -> None:
    """The tabs open on the state's tool (a link's, or the last one chosen)."""
    st.session_state[key] = label


def tool_change(tool_of: dict[str, str]):
    """The change choosing the tab labelled `label` makes."""
    return lambda state, label: dataclasses.replace(state, tool=tool_of[label])
