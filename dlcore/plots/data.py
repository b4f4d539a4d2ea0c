"""dataset_preview(ds): a picture of a dataset to look at before training (a Plotly figure).

Scatter plots for points (training points filled, test points hollow), an image grid with one row per
class, example curves for sequences, a table of token examples. Figures use go.Scatter (not Scattergl:
browsers here have no GPU) and stay at a few thousand points or fewer.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import torch

from dlcore.data.dataset import Dataset
from dlcore.data.projection import points_2d
from dlcore.data.tokens import decode
from dlcore.plots.style import (
    evenly,
)

# Class 0 orange and class 1 blue, as in TF Playground; then a qualitative palette.
PREVIEW_COLOURS = (
    "#f59322",
    "#0877bd",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

PREVIEW_POINTS = 2000

TITLE_CHARS = 44  # characters per line of the title (the description)


def dataset_preview(ds: Dataset, max_points: int = PREVIEW_POINTS) -> go.Figure:
    """A figure showing what is in `ds` (at most `max_points` points per split drawn)."""
    if ds.family == "images":
        fig = _image_grid(ds)
    elif ds.family == "sequences":
        fig = _sequences(ds)
    elif ds.family == "tokens":
        fig = _token_table(ds)
    else:
        fig = _scatter(ds, max_points)
    # The Train page's data column is ~300 px wide on a projector: short lines, so no word is cut off.
    title_lines = textwrap.wrap(ds.description, TITLE_CHARS)
    fig.update_layout(
        title=dict(text="<br>".join(title_lines), font=dict(size=13)),
        template="plotly_white",
        margin=dict(l=40, r=20, t=25 + 17 * len(title_lines), b=40),
        uirevision=ds.name,
    )
    return fig


def _scatter(ds: Dataset, max_points: int) -> go.Figure:
    fig = go.Figure()
    classify = ds.task in ("binary", "multiclass")
    for split, symbol in (("train", "circle"), ("test", "circle-open")):
        points, x_title, y_title = points_2d(ds, split)
        keep = evenly(len(points), max_points)
        points, targets = points[keep], getattr(ds, split)[1][keep]
        if classify:
            for k, name in enumerate(ds.class_names):
                rows = targets == k
                fig.add_trace(
                    go.Scatter(
                        x=points[rows, 0].tolist(),
                        y=points[rows, 1].tolist(),
                        mode="markers",
                        name=f"{name} ({split})",
                        legendgroup=name,
                        marker=dict(color=PREVIEW_COLOURS[k % len(PREVIEW_COLOURS)], symbol=symbol, size=6),
                    )
                )
        else:  # regression colours by value; generative points are all alike
            color = targets[:, 0].tolist() if ds.task == "regression" else "#0877bd"
            fig.add_trace(
                go.Scatter(
                    x=points[:, 0].tolist(),
                    y=points[:, 1].tolist(),
                    mode="markers",
                    name=split,
                    marker=dict(
                        color=color,
                        colorscale="RdBu",
                        symbol=symbol,
                        size=6 if ds.task == "regression" else 4,
                        opacity=0.9 if ds.task == "regression" else 0.5,
                        colorbar=dict(title="target")
                        if ds.task == "regression" and split == "train"
                        else None,
                    ),
                )
            )
    fig.update_xaxes(title=x_title, constrain="domain")
    fig.update_yaxes(title=y_title, scaleanchor="x", scaleratio=1, constrain="domain")
    if ds.task == "regression":  # keep the legend clear of the colour bar
        fig.update_layout(legend=dict(orientation="h", x=0, y=-0.15, yanchor="top"))
    if ds.raw_2d is not None and ds.name != "points":
        fig.update_xaxes(range=[-6.2, 6.2])
        fig.update_yaxes(range=[-6.2, 6.2])
    return fig


def _image_grid(ds: Dataset, per_class: int = 8) -> go.Figure:
    """One row per class of training images (raw pixels), class names on the left."""
    images, labels = ds.train
    c, h, w = ds.image_shape
    pad = 1
    rows = []
    for k in range(ds.num_classes):
        picked = images[labels == k][:per_class]
        row = torch.ones(c, h + 2 * pad, per_class * (w + 2 * pad))  # white where a class has fewer images
        for j, image in enumerate(ds.denormalize(picked).clamp(0, 1)):
            left = j * (w + 2 * pad) + pad
            row[:, pad : pad + h, left : left + w] = image
        rows.append(row)
    mosaic = torch.cat(rows, dim=1)  # (C, classes * (H + 2), per_class * (W + 2))
    rgb = (mosaic.expand(3, -1, -1) if c == 1 else mosaic).permute(1, 2, 0)
    fig = go.Figure(go.Image(z=(rgb * 255).round().to(torch.uint8).numpy(), hoverinfo="skip"))
    row_height = h + 2 * pad
    fig.update_yaxes(
        tickmode="array",
        tickvals=[k * row_height + row_height / 2 for k in range(ds.num_classes)],
        ticktext=ds.class_names,
        showgrid=False,
    )
    fig.update_xaxes(showticklabels=False, showgrid=False)
    return fig


def _sequences(ds: Dataset, per_class: int = 2, count: int = 6) -> go.Figure:
    """A few training sequences; forecasts show the values to predict after the input."""
    x, y = ds.train
    length = x.shape[1]
    steps = list(range(length))
    fig = go.Figure()
    if ds.task == "regression":
        for i in range(min(count, len(x))):
            color = PREVIEW_COLOURS[i % len(PREVIEW_COLOURS)]
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=x[i, :, 0].tolist(),
                    mode="lines",
                    name=f"example {i + 1}",
                    line=dict(color=color),
                )
            )
            future = list(range(length, length + y.shape[1]))
            fig.add_trace(
                go.Scatter(
                    x=future,
                    y=y[i].tolist(),
                    mode="markers",
                    name=f"to predict {i + 1}",
                    marker=dict(color=color, symbol="star", size=10),
                    showlegend=i == 0,
                )
            )
    else:
        for k, name in enumerate(ds.class_names):
            for j, i in enumerate(torch.nonzero(y == k).flatten()[:per_class].tolist()):
                fig.add_trace(
                    go.Scatter(
                        x=steps,
                        y=x[i, :, 0].tolist(),
                        mode="lines",
                        name=name,
                        legendgroup=name,
                        showlegend=j == 0,
                        line=dict(color=PREVIEW_COLOURS[k % len(PREVIEW_COLOURS)]),
                    )
                )
    fig.update_xaxes(title="time step")
    fig.update_yaxes(title="value")
    return fig


def _token_table(ds: Dataset, count: int = 12) -> go.Figure:
    x, y = ds.train
    inputs = [decode(row, ds.class_names) for row in x[:count]]
    targets = [decode(row, ds.class_names) for row in y[:count]]
    mono = dict(family="monospace", size=14)
    return go.Figure(
        go.Table(
            header=dict(values=["input", "target"], font=dict(size=14), align="left"),
            cells=dict(values=[inputs, targets], font=mono, align="left", height=26),
        )
    )
