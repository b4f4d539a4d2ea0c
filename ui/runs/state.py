"""The Runs page's state in this tab: one frozen `dlcore.runs.RunsView` (filters, ticked runs, open
section, overlaid metric) held by a PageState, read from the link on the first visit and mirrored to it."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from ui import state as keys
from ui.session import session_owner
from ui.state import PageState

view = dlcore.runs.view
RUNS: PageState[dlcore.runs.RunsView] = PageState(keys.RUNS, view.from_query, view.to_query, view.validate)


def current() -> dlcore.runs.RunsView:
    return RUNS.current()


def show_notices() -> None:
    """What a link got wrong and changes that were refused, once each."""
    for notice in RUNS.take_notices():
        st.warning(notice, icon=":material/info:")


def field_change(field: str):
    """A widget callback's change of one field of the view."""
    return lambda state, value: dataclasses.replace(state, **{field: value})


def untick(run_id: int) -> None:
    """A deleted run is no longer ticked."""
    RUNS.update(lambda s: dataclasses.replace(s, ticked=tuple(i for i in s.ticked if i != run_id)))


def visible_owner() -> str | None:
    """Whose kept runs this tab may see and change: on a class server (a teacher password is set) only
    its own (a student's, once they joined a class), so no student reads or changes another's; on a
    server of one's own every run (None)."""
    return session_owner() if dlcore.classroom.configured_password() is not None else None


def shown(runs: list[dlcore.RunRecord]) -> list[dlcore.RunRecord]:
    """The runs the table shows: those the filters let through (this tab's only, when asked)."""
    return dlcore.runs.shown(runs, current(), session_owner())


def ticked(runs: list[dlcore.RunRecord]) -> list[dlcore.RunRecord]:
    """The ticked runs that still exist, in the order they were ticked."""
    by_id = {run.id: run for run in runs}
    return [by_id[i] for i in current().ticked if i in by_id]


def section_change(key_of: dict[str, str]):
    """The change choosing the tab labelled `label` makes."""
    return lambda state, label: dataclasses.replace(state, section=key_of[label])
