"""The teacher's Students section: every student with their latest run and hand-ins; one student's latest
run opened read-only (its curves, growing while it trains, and its model)."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.text import plain

REFRESH_S = 2.0  # runs are written every second: a student's training shows within two
PICKER = "class.student"
COLUMNS = {  # narrow enough that every column shows whole beside the run, at 1280×720
    "latest run": st.column_config.TextColumn(width=90),
    "best": st.column_config.TextColumn(width=50, help="best score on the hidden examples (—: none yet)"),
    "met": st.column_config.TextColumn(width=45, help="✓: met a challenge's target"),
}


def draw_students_section(klass: dlcore.classroom.ClassRecord) -> None:
    everyone = dlcore.classroom_service().class_progress(klass.id)
    if not everyone:
        st.info(
            f"No student has joined yet: they open the Classroom page and type the code {klass.code}.",
            icon=":material/groups:",
        )
        return
    table_col, run_col = st.columns([1, 1.7], gap="medium")
    with table_col:
        st.dataframe(
            [_row(entry) for entry in everyone],
            hide_index=True,
            width="stretch",
            height=min(420, 38 + 35 * len(everyone)),
            column_config=COLUMNS,
        )
        by_id = {entry.student.id: entry for entry in everyone}
        chosen = st.selectbox(
            "A student's latest run (read-only)",
            list(by_id),
            index=None,
            format_func=lambda i: by_id[i].student.name,
            key=PICKER,
            placeholder="Choose a student",
        )
    with run_col:
        if chosen is None:
            st.caption("Choose a student to see their latest run: its curves and its model.")
        else:
            draw_latest_run(klass, by_id[chosen])


def _row(entry: dlcore.classroom.StudentProgress) -> dict:
    run, hand_ins = entry.latest_run, entry.hand_ins
    scores = [h.score for h in hand_ins if h.score is not None]
    return {
        "student": entry.student.name,
        "latest run": f"#{run.id} {run.status}" if run is not None else "none yet",
        "best": f"{max(scores):.2f}" if scores else "—",
        "met": "✓" if any(h.passed for h in hand_ins) else "",
    }


def draw_latest_run(klass: dlcore.classroom.ClassRecord, entry: dlcore.classroom.StudentProgress) -> None:
    if entry.latest_run is None:
        st.caption(f"{plain(entry.student.name)} has not trained a run yet.")
        return

    @st.fragment(run_every=REFRESH_S if entry.latest_run.alive else None)
    def latest() -> None:
        try:
            run = dlcore.classroom_service().class_run(klass.id, entry.latest_run.id)
            frame = dlcore.run_store().metrics(run.id)
        except dlcore.DlcoreError as err:
            st.warning(err.message, icon=":material/database:")
            return
        st.markdown(
            f"**{plain(entry.student.name)}**: run #{run.id} {plain(run.name)} · {run.status} · "
            f"{plain(run.model_name)}, {run.parameters:,} weights, {run.epochs} epochs on {run.dataset}"
        )
        choices = dlcore.runs.metric_choices([frame])
        if choices:
            metric = "val_accuracy" if "val_accuracy" in choices else choices[0]
            st.plotly_chart(plots.runs_overlay({f"#{run.id}": frame}, metric), key="class.curves")
        else:
            st.caption("No curves yet.")
        st.plotly_chart(  # the model, as the Build page draws it
            plots.network_diagram(dlcore.summarize(run.spec), run.spec.get("input_shape"), width_px=500),
            key="class.model",
            config={"displayModeBar": False},
        )

    latest()
