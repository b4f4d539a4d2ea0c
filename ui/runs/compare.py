"""The Compare section: the ticked runs' curves of one metric overlaid, and their settings side by side
(only those that differ, unless asked). Curves of runs still training grow while the page is open."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.runs.sections import Section, register_section
from ui.runs.state import RUNS, current, field_change
from ui.state import bind

REFRESH_S = 2.0  # the writer saves every second; a run training elsewhere shows within two


def label(run: dlcore.RunRecord) -> str:
    return f"#{run.id} {run.name}"


def draw_compare(runs: Sequence[dlcore.RunRecord]) -> None:
    if not runs:
        st.info(
            "Tick runs in the table (the boxes on the left) to overlay their curves and compare their "
            "settings.",
            icon=":material/stacked_line_chart:",
        )
        return
    curves, settings = st.columns([3, 2], gap="medium")
    with curves:
        _draw_curves([run.id for run in runs], any(run.alive for run in runs))
    with settings:
        everything = st.toggle(
            "Every setting", key="runs.every_setting", help="Off: only the settings that differ"
        )
        diff = dlcore.runs.settings_diff(runs, everything=everything)
        if diff.empty:
            st.caption("These runs were set up exactly alike (only their seeds of chance differ).")
        else:
            st.dataframe(diff, width="stretch", height=min(36 + 35 * len(diff), 400))


def _draw_curves(ids: list[int], live: bool) -> None:
    @st.fragment(run_every=REFRESH_S if live else None)
    def curves() -> None:
        store = dlcore.run_store()
        try:
            runs = [store.run(i) for i in ids]
            frames = {label(run): store.metrics(run.id) for run in runs}
        except dlcore.RunError as err:
            st.warning(err.message, icon=":material/database:")
            return
        choices = dlcore.runs.metric_choices(frames.values())
        if not choices:
            st.caption("These runs have no metrics yet.")
            return
        metric = current().metric if current().metric in choices else choices[0]
        bind("runs.metric", metric)
        st.selectbox(
            "Metric",
            choices,
            format_func=lambda name: f"curves of {name}",
            label_visibility="collapsed",
            **RUNS.on_change("runs.metric", field_change("metric")),
        )
        st.plotly_chart(
            dlcore.plots.runs_overlay(frames, metric), key="runs.overlay", config={"displaylogo": False}
        )

    curves()


register_section(Section("compare", "Compare", draw_compare))
