"""Figures for training and architecture: pure functions, data in -> plotly Figure out.

Live charts are redrawn several times a second, so they stay light: go.Scatter (SVG; software WebGL in
most classroom browsers makes Scattergl slower), at most MAX_POINTS points per trace, and a constant
`uirevision` so a student's zoom survives each redraw. They carry their own look (LIVE_LOOK), so pages can
draw them with `theme=None`: Streamlit's theme re-styles a figure in the browser at every redraw, about a
quarter of what a redraw costs there (measured in headless Chromium, docs/benchmarks.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

MAX_POINTS = 500
MAX_EPOCH_POINTS = 200  # epoch curves are smooth: fewer points draw faster in a busy browser
MAX_MARKERS = 40  # beyond this many points, per-point markers only add SVG nodes to redraw
UIREVISION = "dlplayground"
TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#ff7f0e"
CATEGORY_COLOURS = {
    "dense": "#4c78a8",
    "convolution": "#f58518",
    "pooling": "#e45756",
    "recurrent": "#72b7b2",
    "attention": "#54a24b",
    "normalisation": "#b279a2",
    "regularisation": "#9d755d",
    "activation": "#bab0ac",
    "reshape": "#eeca3b",
    "blocks": "#ff9da6",
}


def downsample(df: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """At most `max_points` evenly spaced rows, always keeping the first and the last."""
    if len(df) <= max_points:
        return df
    positions = np.unique(np.linspace(0, len(df) - 1, max_points).round().astype(int))
    return df.iloc[positions]


def _layout(title: str, x_title: str, y_title: str, height: int = 300, **extra) -> dict:
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


def _live_layout(title: str, x_title: str, y_title: str, **extra) -> dict:
    layout = {**_layout(title, x_title, y_title, **extra), **LIVE_LOOK}
    layout["title"]["font"] = _LIVE_TITLE_FONT
    layout["xaxis"] = {**_LIVE_AXIS, **layout["xaxis"]}
    layout["yaxis"] = {**_LIVE_AXIS, **layout["yaxis"], "showgrid": True, "gridcolor": "#E6EAF1"}
    return layout


def _figure(traces: list[dict], layout: dict) -> go.Figure:
    """A figure from plain trace and layout dicts, skipping plotly's per-property validation: the live
    charts are rebuilt several times a second and validation costs more than everything else together."""
    return go.Figure(data=traces, layout=layout, _validate=False)


def _has(df: pd.DataFrame | None, column: str) -> bool:
    return df is not None and column in df.columns and df[column].notna().any()


def _x_of_epochs(epoch_df: pd.DataFrame) -> pd.Series:
    """Where epoch-level points sit on the step axis: at the step the epoch ended, if known."""
    return epoch_df["step"] if "step" in epoch_df.columns else epoch_df["epoch"]


def _curve(
    metrics_df: pd.DataFrame | None,
    epoch_df: pd.DataFrame | None,
    metric: str,
    title: str,
    y_title: str,
) -> go.Figure:
    """Per-step training values as a thin line, per-epoch train/validation values as bold lines."""
    traces = []
    if _has(metrics_df, f"train_{metric}"):
        steps = downsample(metrics_df.dropna(subset=[f"train_{metric}"]))
        traces.append(
            {
                "type": "scatter",
                "x": steps["step"].to_numpy(),
                "y": steps[f"train_{metric}"].to_numpy(),
                "mode": "lines",
                "name": "train (per step)",
                "line": {"color": TRAIN_COLOUR, "width": 1},
                "opacity": 0.45,
            }
        )
    for split, colour in (("train", TRAIN_COLOUR), ("val", VAL_COLOUR)):
        column = f"{split}_{metric}"
        if _has(epoch_df, column):
            epochs = downsample(epoch_df.dropna(subset=[column]), MAX_EPOCH_POINTS)
            traces.append(
                {
                    "type": "scatter",
                    "x": _x_of_epochs(epochs).to_numpy(),
                    "y": epochs[column].to_numpy(),
                    "mode": "lines+markers" if len(epochs) <= MAX_MARKERS else "lines",
                    "name": f"{'validation' if split == 'val' else 'train'} (per epoch)",
                    "line": {"color": colour, "width": 2.5},
                    "customdata": epochs["epoch"].to_numpy(),
                    "hovertemplate": "epoch %{customdata}: %{y:.4g}<extra></extra>",
                }
            )
    return _figure(traces, _live_layout(title, "step", y_title, height=CURVE_HEIGHT))


def loss_curve(metrics_df: pd.DataFrame | None, epoch_df: pd.DataFrame | None = None) -> go.Figure:
    """Training loss per step, and train/validation loss per epoch. Empty data -> an empty chart."""
    return _curve(metrics_df, epoch_df, "loss", "Loss", "loss")


def accuracy_curve(metrics_df: pd.DataFrame | None, epoch_df: pd.DataFrame | None = None) -> go.Figure:
    """Train/validation accuracy (classification) or R² (regression) per scored epoch.

    Accuracy is measured on whole splits when an epoch is scored, so there is no per-step line; the
    step-level frame is accepted for symmetry with loss_curve and ignored."""
    metric = "r2" if not _has(epoch_df, "val_accuracy") and _has(epoch_df, "val_r2") else "accuracy"
    fig = _curve(None, epoch_df, metric, "Accuracy" if metric == "accuracy" else "R²", metric)
    if metric == "accuracy":
        fig.layout.yaxis.range = [0, 1.02]
        fig.layout.yaxis.tickformat = ".0%"
    return fig


def grad_norm_chart(grad_df: pd.DataFrame | None) -> go.Figure:
    """Gradient norm per layer over training, log scale: vanishing or exploding gradients stand out."""
    traces = []
    if grad_df is not None and len(grad_df) and {"step", "layer", "grad_norm"} <= set(grad_df.columns):
        layers = list(dict.fromkeys(grad_df["layer"]))  # in model order
        per_layer = max(2, MAX_POINTS // max(1, len(layers)))
        for layer in layers:
            rows = downsample(grad_df[grad_df["layer"] == layer], per_layer)
            traces.append(
                {
                    "type": "scatter",
                    "x": rows["step"].to_numpy(),
                    "y": rows["grad_norm"].to_numpy(),
                    "mode": "lines+markers" if len(rows) <= MAX_MARKERS else "lines",  # 1 point shows
                    "name": str(layer),
                }
            )
    layout = _live_layout(
        "Gradient norm per layer",
        "step",
        "‖gradient‖",
        legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"},
    )
    layout["yaxis"].update(type="log", exponentformat="power", dtick=1)  # label powers of ten only ...
    norms = [y for trace in traces for y in trace["y"] if y > 0]
    if norms and max(norms) < 100 * min(norms):  # ... unless that would leave one label or none
        ticks = _one_two_five(min(norms), max(norms))
        layout["yaxis"].update(dtick=None, tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    return _figure(traces, layout)


def _one_two_five(low: float, high: float) -> list[float]:
    """1, 2, 5, 10, 20, ... × a power of ten, from the decade below `low` to the decade above `high`."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [m * 10.0**e for e in range(first, last + 1) for m in (1, 2, 5)]


def confusion_matrix(matrix: Sequence[Sequence[int]], class_names: Sequence[str]) -> go.Figure:
    """Heatmap of true class (rows) against predicted class (columns), with the counts written in."""
    values = np.asarray(matrix, dtype=float)
    names = [str(c) for c in class_names] or [str(i) for i in range(len(values))]
    totals = values.sum(axis=1, keepdims=True)
    share = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=names,
            y=names,
            text=values.astype(int),
            texttemplate="%{text}" if len(names) <= 20 else None,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "share of<br>true class", "tickformat": ".0%"},
            hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
        )
    )
    size = min(700, 220 + 32 * len(names))
    fig.update_layout(_layout("Confusion matrix (test set)", "predicted class", "true class", height=size))
    fig.update_xaxes(type="category", side="bottom")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def _shape_text(shape) -> str:
    if shape is None or (isinstance(shape, float) and np.isnan(shape)):
        return "?"
    return "×".join(str(s) for s in shape) if isinstance(shape, (tuple, list)) else str(shape)


def network_diagram(
    summary_df: pd.DataFrame,
    input_shape: Sequence[int] | None = None,
    categories: dict[str, str] | None = None,
    error_index: int | None = None,
) -> go.Figure:
    """The network's top-level layers as boxes left to right, with the tensor shape on each arrow.

    `summary_df` is dlcore.summarize's table (nested rows have depth > 0 and are folded into their block);
    `categories` maps a layer type to its catalogue category for the box colour; `error_index` marks the
    layer that does not fit (the diagram is drawn up to it).
    """
    top = summary_df[summary_df["depth"] == 0] if "depth" in summary_df.columns else summary_df
    # (label, shape flowing out of it, params, module name, fill colour)
    boxes = [("input", _shape_text(input_shape) if input_shape is not None else "", None, None, "#dddddd")]
    for row in top.itertuples():
        category = (categories or {}).get(str(row.type), "")
        colour = CATEGORY_COLOURS.get(category, "#4c78a8")
        boxes.append((str(row.type), _shape_text(row.output_shape), int(row.params), str(row.name), colour))
    if error_index is not None:
        boxes.append(("✖ does not fit", None, None, None, "#d62728"))
    else:
        boxes.append(("output", None, None, None, "#dddddd"))
    fig = go.Figure()
    width, gap = 1.0, 0.7
    for i, (label, _, params, name, colour) in enumerate(boxes):
        x0 = i * (width + gap)
        fig.add_shape(
            type="rect",
            x0=x0,
            x1=x0 + width,
            y0=0,
            y1=1,
            fillcolor=colour,
            opacity=0.4,  # pastel, so the black labels stay readable
            line={"color": "#333", "width": 1},
            layer="below",
        )
        detail = "" if params is None else f"<br><span style='font-size:10px'>{params:,} params</span>"
        fig.add_annotation(
            x=x0 + width / 2,
            y=0.5,
            text=f"<b>{label}</b>{detail}",
            showarrow=False,
            font={"size": 11, "color": "#111"},
        )
        if i > 0:
            # the arrow from the previous box, labelled with the tensor shape flowing along it
            fig.add_annotation(
                x=x0, y=0.5, ax=x0 - gap, ay=0.5, axref="x", ayref="y", showarrow=True, arrowhead=2, text=""
            )
            fig.add_annotation(
                x=x0 - gap / 2,
                y=1.18,
                text=boxes[i - 1][1],
                showarrow=False,
                font={"size": 10, "color": "#444"},
            )
        if name is not None:
            fig.add_annotation(
                x=x0 + width / 2, y=-0.15, text=name, showarrow=False, font={"size": 9, "color": "#777"}
            )
    span = len(boxes) * (width + gap)
    fig.update_xaxes(visible=False, range=[-0.2, max(span - gap + 0.2, 4)])
    fig.update_yaxes(visible=False, range=[-0.35, 1.35])
    fig.update_layout(
        height=170,
        width=None,
        margin={"l": 5, "r": 5, "t": 5, "b": 5},
        template="none",
        dragmode="pan",
        uirevision=UIREVISION,
    )
    return fig
