"""The top of the Runs page: who the runs of this tab are kept under, the filters, and the table of runs
whose ticks choose the runs the sections below compare."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.errors import show_error
from ui.runs.state import RUNS, current, field_change, visible_owner
from ui.session import session_owner
from ui.state import RUNS_WHO, bind

MAX_LISTED = 2000  # the newest runs the page reads; a classroom's term fits
ROW_PX, HEADER_PX, ROWS_SHOWN = 35, 38, 5  # the table shows 5 rows and scrolls, so the sections stay in view


def kept_runs() -> list[dlcore.RunRecord] | None:
    """The kept runs this tab may see (on a class server only its own), newest first; None (with the
    reason shown) when the store cannot be read. Everything the page shows, ticks or changes is one of
    these, whatever the link asks for."""
    try:
        return dlcore.run_store().runs(owner=visible_owner(), limit=MAX_LISTED)
    except dlcore.RunError as err:
        show_error(err)
        return None


def draw_storage_notice() -> None:
    """Where runs are kept, and why they are not being saved right now, if they are not."""
    if problem := dlcore.runs.recording_problem():
        st.warning(problem, icon=":material/database:")


def draw_filters() -> None:
    """The search, status and mine filters, and the name this tab's runs are kept under."""
    view = current()
    # Labels folded into the boxes (placeholders, "status: ..."): the table and the comparison move up.
    class_server = visible_owner() is not None  # there every run listed is this tab's own: no "Only mine"
    widths = [2.2, 1.3, 1.7] if class_server else [2.2, 1.3, 0.9, 1.7]
    search, status, *mine, who = st.columns(widths, vertical_alignment="center")
    bind("runs.search", view.search)
    search.text_input(
        "Search runs",
        placeholder="Search: name, model, dataset, person",
        label_visibility="collapsed",
        **RUNS.on_change("runs.search", field_change("search")),
    )
    bind("runs.status", view.status)
    status.selectbox(
        "Status",
        dlcore.runs.STATUSES,
        format_func=lambda status: f"status: {status}",
        label_visibility="collapsed",
        **RUNS.on_change("runs.status", field_change("status")),
    )
    if not class_server:
        bind("runs.mine", view.mine)
        mine[0].toggle("Only mine", **RUNS.on_change("runs.mine", field_change("mine")))
    st.session_state.setdefault("runs.who", st.session_state.get(RUNS_WHO, ""))
    who.text_input(
        "Your name (on your runs)",
        placeholder="Your name, on your runs",
        label_visibility="collapsed",
        key="runs.who",
        on_change=_name_runs,
        max_chars=100,
    )


def _name_runs() -> None:
    try:
        dlcore.runs.set_who(session_owner(), st.session_state["runs.who"])
    except dlcore.RunError as err:
        RUNS.notify(err.message)
        return
    st.session_state[RUNS_WHO] = st.session_state["runs.who"]


def draw_table(runs: Sequence[dlcore.RunRecord]) -> None:
    """The runs as a table that sorts by any column (click its header); the boxes on the left tick runs."""
    if not runs:
        st.info(
            "No runs match. Every training started on Train, the labs or the command line is kept here.",
            icon=":material/history:",
        )
        return
    ids = [run.id for run in runs]
    ticked = current().ticked
    # The ticks are drawn from the page state: a new table whenever the runs shown or the ticks change.
    key = "runs.table." + hashlib.sha1(repr((ids, ticked)).encode()).hexdigest()[:12]
    st.dataframe(
        dlcore.runs.runs_table(runs),
        key=key,
        hide_index=True,
        height=HEADER_PX + ROW_PX * min(len(runs), ROWS_SHOWN),
        on_select=lambda: RUNS.update(lambda s: s.tick(ids, [ids[row] for row in _ticked_rows(key)])),
        selection_mode="multi-row",
        selection_default={"selection": {"rows": [ids.index(i) for i in ticked if i in ids]}},
        column_config={
            "id": st.column_config.NumberColumn("#", width=40),
            "name": st.column_config.TextColumn(width=160),
            "status": st.column_config.TextColumn(width=90),
            "model": st.column_config.TextColumn(width=90),
            "dataset": st.column_config.TextColumn(width=70),
            "best val. accuracy": st.column_config.NumberColumn("val. accuracy", format="percent", width=95),
            "best val. loss": st.column_config.NumberColumn("val. loss", format="%.4f", width=65),
            "parameters": st.column_config.NumberColumn(format="localized", width=80),
            "time (s)": st.column_config.NumberColumn(format="%.1f", width=65),
            "started": st.column_config.DatetimeColumn(format="D MMM HH:mm"),
        },
    )


def _ticked_rows(key: str) -> list[int]:
    return list(st.session_state[key]["selection"]["rows"])
