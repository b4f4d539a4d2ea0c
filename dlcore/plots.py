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
    return df.iloc[_evenly(len(df), max_points)]


def _evenly(n: int, max_points: int) -> np.ndarray:
    """Indices of at most `max_points` of n items, evenly spaced, the first and the last among them."""
    return np.unique(np.linspace(0, n - 1, min(n, max_points)).round().astype(int)) if n else np.arange(0)


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
            name = f"{'validation' if split == 'val' else 'train'} (per epoch)"
            traces.append(_epoch_trace(epoch_df, column, name, colour))
    return _figure(traces, _live_layout(title, "step", y_title, height=CURVE_HEIGHT))


def _epoch_trace(epoch_df: pd.DataFrame, column: str, name: str, colour: str) -> dict:
    """One per-epoch value as a bold line over the step axis."""
    epochs = downsample(epoch_df.dropna(subset=[column]), MAX_EPOCH_POINTS)
    return {
        "type": "scatter",
        "x": _x_of_epochs(epochs).to_numpy(),
        "y": epochs[column].to_numpy(),
        "mode": "lines+markers" if len(epochs) <= MAX_MARKERS else "lines",
        "name": name,
        "line": {"color": colour, "width": 2.5},
        "customdata": epochs["epoch"].to_numpy(),
        "hovertemplate": "epoch %{customdata}: %{y:.4g}<extra></extra>",
    }


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


def robust_accuracy_curve(epoch_df: pd.DataFrame | None, epsilon: float) -> go.Figure:
    """Validation accuracy on clean examples and under the training attack, per scored epoch: adversarial
    training should lift the second and keep the first."""
    lines = (
        ("val_accuracy", "clean", TRAIN_COLOUR),
        ("val_robust_accuracy", f"attacked, ε = {epsilon:g}", VAL_COLOUR),
    )
    traces = [
        _epoch_trace(epoch_df, column, name, colour)
        for column, name, colour in lines
        if _has(epoch_df, column)
    ]
    layout = _live_layout("Validation accuracy", "step", "accuracy", height=CURVE_HEIGHT)
    layout["yaxis"].update(range=[0, 1.02], tickformat=".0%")
    return _figure(traces, layout)


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


def predictions_vs_targets(targets, predictions, max_points: int = MAX_POINTS) -> go.Figure:
    """Regression on the test set: each prediction against its target (every output value of every
    example), with the diagonal where they would be equal: points above it are over-estimates."""
    target = np.asarray(targets, dtype=float).reshape(-1)
    predicted = np.asarray(predictions, dtype=float).reshape(-1)
    keep = _evenly(len(target), max_points)
    target, predicted = target[keep], predicted[keep]
    both = np.concatenate([target, predicted])
    low, high = (float(both.min()), float(both.max())) if len(both) else (0.0, 1.0)
    fig = go.Figure(
        [
            go.Scatter(
                x=[low, high],
                y=[low, high],
                mode="lines",
                name="prediction = target",
                line={"color": "#808495", "dash": "dash", "width": 1},
                hoverinfo="skip",
            ),
            go.Scatter(
                x=target,
                y=predicted,
                mode="markers",
                name="test examples",
                marker={"color": TRAIN_COLOUR, "size": 6, "opacity": 0.7},
                hovertemplate="target %{x:.3g}, predicted %{y:.3g}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(_layout("Predictions against targets (test set)", "target", "prediction", height=380))
    fig.update_xaxes(constrain="domain")  # equal scales: the plot area narrows, the ranges stay the data's
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def reconstructions(inputs, outputs, max_points: int = MAX_POINTS) -> go.Figure:
    """An autoencoder on the test set: 2-D points and their reconstructions, each joined to its input by
    a line (short lines: well rebuilt). Inputs of any other shape: reconstructed values against inputs."""
    inputs, outputs = np.asarray(inputs, dtype=float), np.asarray(outputs, dtype=float)
    if inputs.ndim != 2 or inputs.shape[1] != 2 or outputs.shape != inputs.shape:
        fig = predictions_vs_targets(inputs, outputs, max_points)
        fig.update_layout(title={"text": "Reconstructed values against inputs (test set)"})
        fig.update_xaxes(title={"text": "input value"})
        fig.update_yaxes(title={"text": "reconstructed value"})
        return fig
    keep = _evenly(len(inputs), max_points // 2)
    inputs, outputs = inputs[keep], outputs[keep]
    links = np.full((len(inputs) * 3, 2), np.nan)  # input, reconstruction, gap: one trace for all lines
    links[0::3], links[1::3] = inputs, outputs
    fig = go.Figure(
        [
            go.Scatter(
                x=links[:, 0],
                y=links[:, 1],
                mode="lines",
                name="error",
                line={"color": "#bab0ac", "width": 1},
                hoverinfo="skip",
            ),
            go.Scatter(
                x=inputs[:, 0],
                y=inputs[:, 1],
                mode="markers",
                name="input",
                marker={"color": TRAIN_COLOUR, "size": 6},
            ),
            go.Scatter(
                x=outputs[:, 0],
                y=outputs[:, 1],
                mode="markers",
                name="reconstruction",
                marker={"color": VAL_COLOUR, "size": 6, "symbol": "x"},
            ),
        ]
    )
    fig.update_layout(_layout("Reconstructions (test set)", "x1", "x2", height=420))
    fig.update_xaxes(constrain="domain")  # equal scales: the plot area narrows, the ranges stay the data's
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def _shape_text(shape) -> str:
    if shape is None or (isinstance(shape, float) and np.isnan(shape)):
        return "?"
    return "×".join(str(s) for s in shape) if isinstance(shape, (tuple, list)) else str(shape)


# The network diagram is laid out in pixels: boxes keep a size whose labels fit, and wrap onto rows.
DIAGRAM_BOX = (104, 84)  # width, height of a layer's box
DIAGRAM_GAP = 44  # between boxes: room for the arrow, its tensor shape is written above it
DIAGRAM_ROW = 140  # height of a row: shape labels above the boxes, the line to the next row below
DIAGRAM_TEXT = 12  # px: the smallest text a projector shows legibly at the back of a room
DIAGRAM_LINE = 11  # characters of a layer type per line (longer CamelCase names break at a capital)
_ARROW = {"axref": "x", "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowwidth": 1.5, "text": ""}


def _diagram_label(layer_type: str) -> str:
    """A layer type that fits its box: long CamelCase names break at the capital nearest their middle."""
    if len(layer_type) <= DIAGRAM_LINE:
        return layer_type
    capitals = [i for i, c in enumerate(layer_type) if c.isupper() and i > 0]
    if not capitals:
        return layer_type
    cut = min(capitals, key=lambda i: abs(i - len(layer_type) / 2))
    return f"{layer_type[:cut]}<br>{layer_type[cut:]}"


def network_diagram(
    summary_df: pd.DataFrame,
    input_shape: Sequence[int] | None = None,
    categories: dict[str, str] | None = None,
    error_index: int | None = None,
    width_px: int = 820,
) -> go.Figure:
    """The network's top-level layers as boxes left to right, with the tensor shape on each arrow.

    `summary_df` is dlcore.summarize's table (nested rows have depth > 0 and are folded into their block);
    `categories` maps a layer type to its catalogue category for the box colour; `error_index` marks the
    layer that does not fit (the diagram is drawn up to it). Boxes keep a legible size and wrap onto as many
    rows as `width_px` (the width the figure is shown at) needs, a line leading from each row to the next.
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

    box_w, box_h = DIAGRAM_BOX
    per_row = max(1, (width_px - DIAGRAM_GAP) // (box_w + DIAGRAM_GAP))
    rows = math.ceil(len(boxes) / per_row)
    text = {"size": DIAGRAM_TEXT, "color": "#444"}
    fig = go.Figure()

    def corner(i: int) -> tuple[float, float]:  # top-left corner of box i (y grows downwards)
        return DIAGRAM_GAP + (i % per_row) * (box_w + DIAGRAM_GAP), 30 + (i // per_row) * DIAGRAM_ROW

    for i, (label, _, params, name, colour) in enumerate(boxes):
        x0, y0 = corner(i)
        fig.add_shape(
            type="rect",
            x0=x0,
            x1=x0 + box_w,
            y0=y0,
            y1=y0 + box_h,
            fillcolor=colour,
            opacity=0.4,  # pastel, so the black labels stay readable
            line={"color": "#333", "width": 1},
            layer="below",
        )
        lines = [f"<b>{_diagram_label(label)}</b>"]
        if params is not None:
            lines += [f"{params:,} params", f"<span style='color:#666'>{name}</span>"]
        fig.add_annotation(
            x=x0 + box_w / 2,
            y=y0 + box_h / 2,
            text="<br>".join(lines),
            showarrow=False,
            font={"size": DIAGRAM_TEXT + 1, "color": "#111"},
        )
        if i == 0:
            continue
        # the arrow from the previous box, labelled with the tensor shape flowing along it
        px, py = corner(i - 1)
        shape = boxes[i - 1][1]
        if py == y0:
            fig.add_annotation(x=x0, y=y0 + box_h / 2, ax=px + box_w, ay=y0 + box_h / 2, **_ARROW)
            fig.add_annotation(x=x0 - DIAGRAM_GAP / 2, y=y0 - 14, text=shape, showarrow=False, font=text)
            continue
        # a new row: a line down from the end of the previous row, back to the left, into this box
        turn_x, under = px + box_w + DIAGRAM_GAP / 2, py + box_h + (DIAGRAM_ROW - box_h - 30) / 2
        fig.add_trace(
            go.Scatter(
                x=[px + box_w, turn_x, turn_x, DIAGRAM_GAP / 2, DIAGRAM_GAP / 2],
                y=[py + box_h / 2, py + box_h / 2, under, under, y0 + box_h / 2],
                mode="lines",
                line={"color": "#444", "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        fig.add_annotation(x=x0, y=y0 + box_h / 2, ax=DIAGRAM_GAP / 2, ay=y0 + box_h / 2, **_ARROW)
        fig.add_annotation(
            x=(turn_x + DIAGRAM_GAP / 2) / 2, y=under, text=shape, showarrow=False, font=text, bgcolor="white"
        )
    fig.update_xaxes(visible=False, range=[0, max(width_px, per_row * (box_w + DIAGRAM_GAP) + DIAGRAM_GAP)])
    fig.update_yaxes(visible=False, range=[rows * DIAGRAM_ROW, 0])
    fig.update_layout(
        height=rows * DIAGRAM_ROW + 10,
        width=None,
        margin={"l": 0, "r": 0, "t": 5, "b": 5},
        template="none",
        dragmode="pan",
        uirevision=UIREVISION,
    )
    return fig
