"""The This run section: one ticked run's facts; rename it, note it, reopen it on Build and Train, or
delete it (after a confirmation)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.runs.opening import open_on_train
from ui.runs.sections import Section, register_section
from ui.runs.state import RUNS, untick


def draw_manage(runs: Sequence[dlcore.RunRecord]) -> None:
    if not runs:
        st.info("Tick a run in the table to rename, note, reopen or delete it.", icon=":material/edit_note:")
        return
    run = runs[-1]
    if len(runs) > 1:
        chosen = st.selectbox("Run", runs, index=len(runs) - 1, format_func=lambda r: f"#{r.id} {r.name}")
        run = chosen or run
    facts, edits = st.columns([1, 1.3], gap="large")
    with facts:
        st.markdown(_facts(run))
        if run.message:
            st.caption(run.message)
    with edits:
        _draw_edits(run)


def _facts(run: dlcore.RunRecord) -> str:
    score = run.best_score
    best = f"{score[0].replace('_', ' ')} {score[1]:.4g}" if score else "no validation score yet"
    weights = ", ".join(kind for kind, size in run.weights.items() if isinstance(size, int)) or "none"
    return (
        f"**#{run.id} {run.name}** · {run.status}  \n"
        f"{run.model_name} ({run.parameters:,} parameters) on **{run.dataset}**, {run.recipe}  \n"
        f"by {run.who}, started {run.started:%d %b %H:%M} UTC, "
        f"trained {run.duration_s:.1f} s on {run.device}  \n"
        f"{run.steps:,} steps, {run.epochs} epochs · best {best} · weights kept: {weights}"
    )


def _draw_edits(run: dlcore.RunRecord) -> None:
    name_key, note_key = f"runs.name.{run.id}", f"runs.note.{run.id}"
    st.session_state.setdefault(name_key, run.name)
    st.session_state.setdefault(note_key, run.note)
    st.text_input("Name", key=name_key, on_change=_save, args=(run.id, "rename", name_key), max_chars=200)
    st.text_area("Note", key=note_key, on_change=_save, args=(run.id, "set_note", note_key), height=68)
    reopen, delete = st.columns(2)
    if reopen.button(
        "Open on Build and Train",
        key="runs.open",
        icon=":material/open_in_new:",
        type="primary",
        width="stretch",
    ):
        open_on_train(run)
    with delete.popover("Delete…", icon=":material/delete:", width="stretch"):
        st.markdown(
            f"Delete run **#{run.id} {run.name}**, its metrics and its weights? This cannot be undone."
        )
        st.button(
            "Yes, delete it", key=f"runs.delete.{run.id}", on_click=_delete, args=(run.id,), type="primary"
        )


def _save(run_id: int, action: str, key: str) -> None:
    try:
        getattr(dlcore.run_store(), action)(run_id, st.session_state[key])
    except dlcore.RunError as err:
        RUNS.notify(err.message)


def _delete(run_id: int) -> None:
    try:
        dlcore.run_store().delete(run_id)
    except dlcore.RunError as err:
        RUNS.notify(err.message)
        return
    untick(run_id)


register_section(Section("run", "This run", draw_manage))
