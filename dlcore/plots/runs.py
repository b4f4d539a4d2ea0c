"""Kept runs side by side: one metric's curves of several runs on one chart."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import (
    CURVE_HEIGHT,
    MAX_MARKERS,
    MAX_POINTS,
    downsample,
    fast_figure,
    has_values,
    live_layout,
)


def runs_overlay(curves: Mapping[str, pd.DataFrame], metric: str) -> go.Figure:
    """`metric` over the steps of each run (`curves`: a run's label -> its metric rows, with `step`), a
    line per run in the order given; runs that never logged it are left out. No runs -> an empty chart."""
    traces = []
    per_run = max(50, MAX_POINTS // max(1, len(curves)))
    for label, frame in curves.items():
        if not has_values(frame, metric):
            continue
        rows = frame.dropna(subset=[metric])
        if metric.startswith(
            "val_"
        ):  # scored once an epoch, repeated on the steps between: the epochs' points
            rows = rows[rows[metric].ne(rows[metric].shift()) | (rows.index == rows.index[-1])]
        rows = downsample(rows, per_run)
        traces.append(
            {
                "type": "scatter",
                "x": rows["step"].to_numpy(),
                "y": rows[metric].to_numpy(),
                "mode": "lines+markers" if len(rows) <= MAX_MARKERS else "lines",
                "name": label,
                "hovertemplate": f"{label}<br>step %{{x}}: %{{y:.4g}}<extra></extra>",
            }
        )
    title = metric.replace("val_", "validation ").replace("train_", "training ").replace("_", " ")
    layout = live_layout(title[:1].upper() + title[1:], "step", metric, height=CURVE_HEIGHT)
    # inside the plot's top right: below it, the legend would fall under a projector's fold
    layout["legend"] = {
        "x": 0.99,
        "y": 0.99,
        "xanchor": "right",
        "yanchor": "top",
        "bgcolor": "rgba(255,255,255,0.75)",
    }
    if metric.endswith("accuracy"):
        layout["yaxis"].update(tickformat=".0%")
    return fast_figure(traces, layout)
