"""How a layer's weights and gradients change over training: percentile bands, histograms, dead units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.images import (
    style_figure,
)
from dlcore.plots.style import (
    downsample,
)

BANDS = (("p0", "p100"), ("p7", "p93"), ("p16", "p84"), ("p31", "p69"))


def distribution_over_time(
    percentiles: pd.DataFrame, layer: str, kind: str, moment: int | None = None
) -> go.Figure:
    """TensorBoard-style distribution: nested percentile bands (min–max, 7–93 %, 16–84 %, 31–69 %) and
    the median of one layer's weights or gradients over training steps; `moment`: a step to mark (the one
    the page is rewound to)."""
    rows = percentiles[(percentiles["layer"] == layer) & (percentiles["kind"] == kind)].sort_values("step")
    rows = downsample(rows, 200)
    fig = go.Figure()
    colour = "#f58518" if kind == "gradient" else "#4c78a8"
    for depth, (low, high) in enumerate(BANDS):
        opacity = 0.15 + 0.15 * depth
        fig.add_trace(go.Scatter(x=rows["step"], y=rows[low], mode="lines", line_width=0, showlegend=False))
        fig.add_trace(
            go.Scatter(
                x=rows["step"],
                y=rows[high],
                mode="lines",
                line_width=0,
                fill="tonexty",
                fillcolor=_rgba(colour, opacity),
                name=f"{low[1:]}–{high[1:]} %",
                hoverinfo="skip",
            )
        )
    fig.add_trace(
        go.Scatter(x=rows["step"], y=rows["p50"], mode="lines+markers", line_color=colour, name="median")
    )
    if moment is not None:
        fig.add_vline(x=moment, line_dash="dash", line_color="#31333F", annotation_text=f"step {moment}")
    style_figure(fig, f"{layer} {kind}s over training", 300, legend={"orientation": "h", "y": -0.35})
    fig.update_layout(margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_xaxes(title="step", title_standoff=4)
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def histogram_over_time(
    histograms: Sequence[Mapping], layer: str, kind: str, max_lines: int = 12
) -> go.Figure:
    """A ridgeline of one layer's weight or gradient histograms: one curve per sampled moment, stacked
    upwards in time (pale = early, dark = late), each scaled to its own peak so shapes compare."""
    picked = list(histograms)
    if len(picked) > max_lines:
        picked = [picked[int(i)] for i in np.linspace(0, len(picked) - 1, max_lines).round()]
    colour = "#f58518" if kind == "gradient" else "#4c78a8"
    fig = go.Figure()
    for i, h in enumerate(picked):
        centres = (h["edges"][:-1] + h["edges"][1:]) / 2
        height = h["counts"] / max(1, h["counts"].max()) * 0.9  # each ridge keeps to its own row
        shade = 0.25 + 0.75 * (i + 1) / len(picked)
        fig.add_trace(
            go.Scatter(x=centres, y=np.full(len(centres), i), mode="lines", line_width=0, hoverinfo="skip")
        )
        fig.add_trace(
            go.Scatter(
                x=centres,
                y=i + height,
                mode="lines",
                fill="tonexty",
                fillcolor=_rgba(colour, 0.25 * shade),
                line={"color": _rgba(colour, shade), "width": 1.5},
                customdata=h["counts"],
                hovertemplate=f"step {h['step']}<br>%{{x:.3g}}: %{{customdata}} values<extra></extra>",
            )
        )
    style_figure(fig, f"{layer} {kind} histograms over training", 300, showlegend=False)
    fig.update_layout(margin={"l": 70, "r": 10, "t": 40, "b": 40})
    fig.update_xaxes(title=f"{kind} value")
    fig.update_yaxes(
        tickvals=list(range(len(picked))), ticktext=[f"step {h['step']}" for h in picked], showgrid=False
    )
    return fig


def dead_units_chart(dead: pd.DataFrame) -> go.Figure:
    """Share of each ReLU layer's units that output zero for every probe input, over training."""
    fig = go.Figure()
    for layer in dict.fromkeys(dead["layer"]):
        rows = dead[dead["layer"] == layer]
        fig.add_trace(go.Scatter(x=rows["step"], y=rows["dead"], mode="lines+markers", name=str(layer)))
    style_figure(fig, "Dead ReLU units (zero for every probe input)", 240)
    fig.update_layout(margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(title="step")
    return fig
