"""The Deploy page's "Make it smaller": the model in float32, int8 and float16 side by side (file size,
CPU latency, test accuracy), measured on click by dlcore.deploy_report."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.deploy import keep, kept, progress_bar
from ui.errors import show_error
from ui.state import DEPLOY_REPORT


def draw_smaller(held) -> None:
    """The button that measures every variant, then the table and the bar charts of the last report."""
    st.caption(
        "Quantisation stores each weight with fewer bits. float32 uses 4 bytes per weight, int8 uses 1 "
        "(so the weights are 4× smaller) and float16 uses 2. Latency is the time for one input on this "
        "server's CPU (the median of many runs). Is the smaller model still as accurate?"
    )
    if st.button(
        "Compare float32, int8 and float16",
        key="deploy_run_report",
        icon=":material/compress:",
        type="primary",
    ):
        progress, bar = progress_bar("Measuring each variant…")
        try:
            keep(DEPLOY_REPORT, held, dlcore.deploy_report(held.model, held.dataset, progress=progress))
        except dlcore.DlcoreError as err:
            show_error(err)
        bar.empty()
    report = kept(DEPLOY_REPORT, held)
    if report is None:
        return
    st.table(table_rows(report), hide_index=True)  # a table, not a grid: the "How" text wraps, never cut
    st.plotly_chart(plots.deploy_comparison(report), key="deploy_comparison")


def table_rows(report) -> list[dict]:
    """The report as the table shows it: kB, milliseconds, percent, and how each variant was made."""
    return [
        {
            "Variant": row.variant,
            "Size (kB)": f"{row.size_bytes / 1000:.1f}",
            "Latency, 1 thread (ms)": f"{row.latency_ms_1_thread:.3f}",
            "Latency, all threads (ms)": f"{row.latency_ms_all_threads:.3f}",
            "Test accuracy": "–"
            if row.test_accuracy != row.test_accuracy
            else f"{row.test_accuracy:.1%}",  # NaN
            "How": row.note,
        }
        for row in report.itertuples()
    ]
