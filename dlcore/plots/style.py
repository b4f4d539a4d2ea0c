"""The look every figure shares, and the limits that keep live charts light.

Live charts are redrawn several times a second, so they stay light: go.Scatter (SVG; software WebGL in
most classroom browsers makes Scattergl slower), at most MAX_POINTS points per trace, and a constant
`uirevision` so a student's zoom survives each redraw. They carry their own look (LIVE_LOOK), so pages can
draw them with `theme=None`: Streamlit's theme re-styles a figure in the browser at every redraw, about a
quarter of what a redraw costs there (measured in headless Chromium, docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

MAX_POINTS = 500
MAX_EPOCH_POINTS = 200  # epoch curves are smooth: fewer points draw faster in a busy browser
MAX_MARKERS = 40  # beyond this many points, per-point markers only add SVG nodes to redraw
UIREVISION = "dlplayground"
TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#ff7f0e"


def downsample(df: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """At most `max_points` evenly spaced rows, always keeping the first and the last."""
    if len(df) <= max_points:
        return df
    return df.iloc[evenly(len(df), max_points)]


def evenly(n: int, max_points: int) -> np.ndarray:
    """Indices of at most `max_points` of n items, evenly spaced, the first and the last among them."""
    return np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int)) if n else np.arange(0)


def base_layout(title: str, x_title: str, y_title: str, height: int = 300, **extra) -> dict:
    # No template: Streamlit styles charts with its own theme, and plotly's default template would add
    # ~10 kB and ~8 ms to every redraw of a live chart.
    return {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        "uirevision": UIREVISION,
        "template": "none",
        **extra,
    }


# The loss and accuracy curves sit under the run bar and the latest numbers: at this height all of them fit
# a 1280×720 projector without scrolling.
CURVE_HEIGHT = 280

# Streamlit's chart look (its font, grey ticks, light horizontal grid), written out for the live charts.
LIVE_LOOK = {
    "font": {"family": '"Source Sans", sans-serif', "size": 12, "color": "#808495"},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "colorway": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"],
}
_LIVE_AXIS = {"showgrid": False, "zeroline": False, "showline": False, "title": {"font": {"size": 14}}}
_LIVE_TITLE_FONT = {"size": 15, "color": "#31333F"}


def live_layout(title: str, x_title: str, y_title: str, **extra) -> dict:
    layout = {**base_layout(title, x_title, y_title, **extra), **LIVE_LOOK}
    layout["title"]["font"] = _LIVE_TITLE_FONT
    layout["xaxis"] = {**_LIVE_AXIS, **layout["xaxis"]}
    layout["yaxis"] = {**_LIVE_AXIS, **layout["yaxis"], "showgrid": True, "gridcolor": "#E6EAF1"}
    return layout


def fast_figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, skipping plotly's per-property validation: the live
    charts are rebuilt several times a second and validation costs more than everything else together."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def has_values(df: pd.DataFrame | None, column: str) -> bool:
    return df is not None and column in df.columns and df[column].notna().any()


def as_numpy(t) -> np.ndarray:
    return t.detach().cpu().float().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, dtype=float)


def marker_trace(
    xy, name: str, colour, size: int = 5, opacity: float = 0.8, hover: str | None = None
) -> dict:
    """2-D points (n x 2) as one scatter of markers; `hover`, a Plotly hovertemplate, else no hover box."""
    xy = as_numpy(xy)
    return {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "mode": "markers",
        "name": name,
        "marker": {"color": colour, "size": size, "opacity": opacity},
        **({"hoverinfo": "skip"} if hover is None else {"hovertemplate": hover}),
    }
