"""The Search section: a hyper-parameter search around the ticked run. Trials train as this tab's jobs,
one after another, each kept as a run; while it runs the section shows each trial's score and the best so
far, the trials across the settings, and which setting mattered."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.errors import show_error
from ui.live import live
from ui.run_controls import RunActions, run_bar
from ui.runs.search_plan import LABELS, PLAN, draw_plan_form
from ui.runs.sections import Section, register_section
from ui.session import session_owner
from ui.state import SEARCH
from ui.steady_chart import steady_chart
from ui.train.live import LIVE_CHART

SCORE_LABELS = {"val_accuracy": "validation accuracy", "val_loss": "validation loss"}


def _label(name: str) -> str:
    return "Optimizer" if name == "optimizer" else LABELS[name]


def current_search():
    """This tab's search (any status), or None."""
    return st.session_state.get(SEARCH)


def draw_search(runs: Sequence[dlcore.RunRecord]) -> None:
    for notice in PLAN.take_notices():
        st.warning(notice, icon=":material/info:")
    search = current_search()
    base = runs[-1] if runs else None
    if base is None and search is None:
        st.info(
            "Tick a run in the table: the search trains its model again and again with other settings.",
            icon=":material/travel_explore:",
        )
        return
    busy = search is not None and search.alive
    if base is not None:
        st.caption(f"Searching around **#{base.id} {base.name}**: {base.model_name} on {base.dataset}.")
    run_bar(
        "search",
        None if search is None else search.status,
        RunActions(
            start=lambda: _start(base),
            stop=lambda: current_search().stop(),
            labels={"start": "Start search"},
            primary=("start",),
        ),
        can_start=base is not None,
    )
    live(_draw_progress, job_of=current_search, drawn_status=None if search is None else search.status)
    with st.expander("Search plan", expanded=not busy, icon=":material/tune:"):
        draw_plan_form(disabled=busy)


def _start(base: dlcore.RunRecord | None) -> None:
    if base is None:
        return
    old = current_search()
    if old is not None and old.alive:
        old.stop("a new search started")
    spec, ds, cfg = dlcore.search.search_base(base)  # TrainError: shown under the run bar
    st.session_state[SEARCH] = dlcore.search.start_search(
        PLAN.current(), spec, ds, cfg, owner=session_owner(), name=f"search of #{base.id}"
    )


def _draw_progress(search) -> None:
    if search is None:
        return
    trials, label = search.trials(), SCORE_LABELS[search.metric]
    st.markdown(_summary(search, trials, label))
    if search.status == "failed":
        show_error(search.message)
    left, right = st.columns([1.3, 1])
    with left:
        figure = dlcore.plots.best_so_far(trials, search.direction == "maximize", label)
        steady_chart(figure, "search.best", LIVE_CHART)
    with right:
        importances = {_label(name): share for name, share in search.importances().items()}
        if importances:
            steady_chart(dlcore.plots.importance_bars(importances), "search.importance", LIVE_CHART)
        else:
            st.info("What mattered shows once two trials have finished.", icon=":material/bar_chart:")
    if trials["score"].notna().any():
        settings = {name: _label(name) for name in search.plan.dimensions()}
        logs = {name for name in settings if name != "optimizer" and dlcore.search.SEARCHABLE.get(name).log}
        figure = dlcore.plots.parallel_coordinates(trials, settings, logs, label)
        steady_chart(figure, "search.parallel", LIVE_CHART)
    st.dataframe(trials.drop(columns=["job"]), hide_index=True, width="stretch")


def _summary(search, trials, label: str) -> str:
    done = trials[trials["state"] != "running"]
    pruned = int((trials["state"] == "pruned").sum())
    best = search.best()
    best_text = (
        f"best {label} **{best['score']:.3f}** (trial {best['trial']})" if best else "no trial finished yet"
    )
    counts = f"{len(done)} of {search.plan.budget()} trials done, {pruned} pruned"
    return f"**{search.name}** ({search.status}): {counts} · {best_text}"


register_section(Section("search", "Search", draw_search))
