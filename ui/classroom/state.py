"""The Classroom page's state in this tab: one frozen `dlcore.classroom_view.ClassroomView` (student or
teacher, the class's code, the challenge shown, the teacher's section) held by a PageState, read from the
link on the first visit and mirrored to it; and who this tab is in the class (the student it joined as,
whether the teacher's password was given)."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from ui import state as keys
from ui.state import PageState

view = dlcore.classroom_view
CLASSROOM: PageState[dlcore.classroom_view.ClassroomView] = PageState(
    keys.CLASSROOM, view.from_query, view.to_query, view.validate
)


def current() -> dlcore.classroom_view.ClassroomView:
    return CLASSROOM.current()


def show_notices() -> None:
    """What a link got wrong and changes that were refused, once each."""
    for notice in CLASSROOM.take_notices():
        st.warning(notice, icon=":material/info:")


def field_change(field: str):
    """A widget callback's change of one field of the view."""
    return lambda state, value: dataclasses.replace(state, **{field: value})


def set_field(field: str, value) -> None:
    CLASSROOM.update(lambda state: dataclasses.replace(state, **{field: value}))
