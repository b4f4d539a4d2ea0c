"""The Inspect page's figures for one input: feature maps, filters, attention, activations, the
prediction; the confusion matrix whose cells can be clicked, and the examples of a cell.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.images import (
    MAP_SCALE,
    MIN_TILE_PX,
    PAGE_WIDTH_PX,
    SIGNED_SCALE,
    TEXT_PX,
    TILE_TITLE_PX,
    image_axes,
    image_trace,
    square_tiles,
    style_figure,
    style_tiles,
    tile,
    tile_grid,
)
from dlcore.plots.results import confusion_matrix
from dlcore.plots.style import (
    as_numpy,
)


def feature_map_grid(maps, layer: str, max_channels: int = 32, columns: int = 8) -> go.Figure:
    """Every channel of one layer's (C, H, W) output as a small heatmap, each scaled to its own range.

    Bright = strongly active. Hover shows the channel and the raw value. A 1-D convolution's (C, L) output
    is one heatmap with a row per channel.
    """
    values = as_numpy(maps)
    if values.ndim == 2:
        return _channel_rows(values, layer, "position", "output")
    c, h, w = values.shape
    shown = values[:max_channels]
    columns = min(columns, len(shown))
    tiled, index = tile(shown, columns)
    raw, _ = tile(shown, columns, normalise=False)
    custom = np.stack([index, raw], axis=-1)
    fig = go.Figure(
        go.Heatmap(
            z=tiled,
            customdata=custom,
            colorscale=MAP_SCALE,
            zmin=0,
            zmax=1,
            showscale=False,
            hoverongaps=False,
            hovertemplate="channel %{customdata[0]}: %{customdata[1]:.3f}<extra></extra>",
        )
    )
    image_axes(fig)
    more = f" (first {max_channels} shown)" if c > max_channels else ""
    rows = tiled.shape[0] / (h + 1)
    height = int(min(520, max(140, 60 + rows * min(110, 900 / columns))))
    return style_figure(fig, f"{layer} — {c} channels × {h}×{w}{more}", height)


def attention_grid(
    weights, layer: str, tokens: Sequence[str] | None = None, width_px: int = PAGE_WIDTH_PX
) -> go.Figure:
    """One attention layer's (heads, L, L) weights, a heatmap per head: row = query position, column =
    key position, darker = more attention. All heads share one scale (each row sums to 1).

    `tokens`: the input's L tokens, written along both axes (positions 0..L-1 without them). Heads wrap
    onto rows; a tile leaves every token a line of 12 px text.
    """
    values = as_numpy(weights)
    heads, length, _ = values.shape
    labels = [str(t) for t in tokens] if tokens is not None and len(tokens) == length else None
    labels = labels or [str(i) for i in range(length)]
    # token labels sit in the gaps and the left margin; the colour bar takes the right margin
    left, right, gap = 34, 90, 40
    min_tile = max(MIN_TILE_PX, 40 + 16 * length)
    titles = [f"head {h}" for h in range(heads)]
    fig, cols, height = tile_grid(titles, width_px - left - right, min_tile, gap, TILE_TITLE_PX + 20)
    for h in range(heads):
        fig.add_trace(
            go.Heatmap(
                z=values[h],
                coloraxis="coloraxis",
                hovertemplate=f"head {h}<br>%{{y}} looked at %{{x}}: %{{z:.2f}}<extra></extra>",
                x=list(range(length)),
                y=list(range(length)),
            ),
            row=h // cols + 1,
            col=h % cols + 1,
        )
    ticks = {"tickvals": list(range(length)), "ticktext": labels, "tickfont": {"size": TEXT_PX}, "ticks": ""}
    fig.update_xaxes(constrain="domain", side="bottom", tickangle=0, **ticks)
    fig.update_yaxes(autorange="reversed", constrain="domain", **ticks)
    square_tiles(fig, heads)
    fig.update_layout(
        coloraxis={
            "colorscale": "Blues",
            "cmin": 0,
            "cmax": float(values.max()) or 1.0,
            "colorbar": {"title": {"text": "weight"}, "thickness": 12, "tickfont": {"size": TEXT_PX}},
        },
    )
    title = f"{layer} — {heads} heads (row: a token, columns: where it looked)"
    return style_tiles(fig, title, height, left, right)


def _channel_rows(values: np.ndarray, layer: str, x_title: str, what: str) -> go.Figure:
    """(C, L) values as one heatmap, a row per channel: a 1-D convolution's output or its filters."""
    signed = what == "filters"
    bound = float(np.abs(values).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=values,
            colorscale=SIGNED_SCALE if signed else MAP_SCALE,
            zmin=-bound if signed else None,
            zmax=bound if signed else None,
            colorbar={"title": "weight" if signed else "value", "thickness": 12},
            hovertemplate=f"channel %{{y}}, {x_title} %{{x}}: %{{z:.3f}}<extra></extra>",
        )
    )
    fig.update_yaxes(title="channel", autorange="reversed")
    fig.update_xaxes(title=x_title)
    c, length = values.shape
    style_figure(fig, f"{layer} {what} — {c} channels × {length}", int(min(420, 120 + 14 * c)))
    fig.update_layout(margin={"l": 60, "r": 10, "t": 40, "b": 40})
    return fig


def filter_grid(weight, layer: str, max_filters: int = 32) -> go.Figure:
    """A first convolution layer's filters (out, in, kh, kw): colour images for RGB input, else heatmaps
    with red for positive and blue for negative weights (shared scale, so strong filters stand out).
    A 1-D convolution's (out, in, k) filters: one row per filter (averaged over input channels)."""
    w = as_numpy(weight)[:max_filters]
    if w.ndim == 3:
        return _channel_rows(w.mean(axis=1), layer, "kernel tap", "filters")
    out, cin, kh, kw = w.shape
    columns = min(8, out)
    if cin == 3:  # RGB: each filter scaled to [0, 1] together over its channels
        lo = w.reshape(out, -1).min(axis=1)[:, None, None, None]
        hi = w.reshape(out, -1).max(axis=1)[:, None, None, None]
        scaled = (w - lo) / np.where(hi > lo, hi - lo, 1)
        channels = [tile(scaled[:, k], columns, normalise=False)[0] for k in range(3)]
        rgb = np.nan_to_num(np.stack(channels, axis=-1), nan=1.0)
        fig = go.Figure(go.Image(z=(rgb * 255).astype(np.uint8), hoverinfo="skip"))
    else:
        tiled, index = tile(w.mean(axis=1), columns, normalise=False)
        bound = float(np.nanmax(np.abs(tiled))) or 1.0
        fig = go.Figure(
            go.Heatmap(
                z=tiled,
                customdata=index,
                colorscale=SIGNED_SCALE,
                zmin=-bound,
                zmax=bound,
                hoverongaps=False,
                colorbar={"title": "weight", "thickness": 12},
                hovertemplate="filter %{customdata}: %{z:.3f}<extra></extra>",
            )
        )
    image_axes(fig)
    rows = int(np.ceil(out / columns))
    return style_figure(fig, f"{layer} filters — {out} × {kh}×{kw}", int(min(420, 80 + rows * 70)))


def input_figure(x, feature_names: Sequence[str] = ()) -> go.Figure:
    """One non-image input as the model sees it (normalised): a line per feature over the steps of a
    (L, F) sequence, else a bar per feature (or token)."""
    values = as_numpy(x)
    fig = go.Figure()
    if values.ndim == 2:
        for f in range(values.shape[1]):
            name = feature_names[f] if len(feature_names) == values.shape[1] else f"feature {f}"
            fig.add_trace(go.Scatter(y=values[:, f], mode="lines+markers", marker_size=4, name=name))
        style_figure(fig, f"input — {values.shape[0]} steps × {values.shape[1]} features", 240)
        fig.update_xaxes(title="step")
    else:
        v = values.reshape(-1)
        labels = list(feature_names) if len(feature_names) == len(v) else [str(i) for i in range(len(v))]
        fig.add_trace(
            go.Bar(x=labels, y=v, marker_color="#4c78a8", hovertemplate="%{x}: %{y:.3f}<extra></extra>")
        )
        style_figure(fig, f"input — {len(v)} values", 240)
        fig.update_xaxes(type="category")
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 40, "b": 40}, showlegend=values.ndim == 2 and values.shape[1] > 1
    )
    return fig


def activation_bars(
    values, layer: str, labels: Sequence[str] | None = None, max_units: int = 128
) -> go.Figure:
    """One dense layer's outputs for one input as bars (unit number or class name on the x axis)."""
    v = as_numpy(values).reshape(-1)
    shown = v[:max_units]
    x = (
        list(labels)[: len(shown)]
        if labels is not None and len(labels) == len(v)
        else list(range(len(shown)))
    )
    colours = np.where(shown > 0, "#f58518", "#4c78a8")
    fig = go.Figure(
        go.Bar(x=x, y=shown, marker_color=colours, hovertemplate="unit %{x}: %{y:.3f}<extra></extra>")
    )
    more = f", first {max_units} shown" if len(v) > max_units else ""
    dead = int((v <= 0).sum())
    style_figure(fig, f"{layer} — {len(v)} units ({dead} at or below zero{more})", 220, bargap=0.1)
    fig.update_xaxes(type="category" if labels is not None else "linear", showticklabels=len(shown) <= 40)
    return fig


def probability_bars(probs, class_names: Sequence[str], true_class: int | None = None) -> go.Figure:
    """The model's class probabilities for one input; the true class (if known) in green."""
    p = as_numpy(probs).reshape(-1)
    names = [str(c) for c in class_names] if len(class_names) == len(p) else [str(i) for i in range(len(p))]
    colours = ["#54a24b" if i == true_class else "#4c78a8" for i in range(len(p))]
    fig = go.Figure(go.Bar(x=names, y=p, marker_color=colours, hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    style_figure(fig, "Prediction", 220)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_xaxes(type="category")
    return fig


def clickable_confusion(
    matrix, class_names: Sequence[str], title: str = "Confusion matrix (test set)"
) -> go.Figure:
    """The confusion matrix with an invisible marker on each cell, so clicking a cell selects it.

    Point i of the marker trace is the cell (true class i // K, predicted class i % K); its customdata is
    [true class index, predicted class index].
    """
    fig = confusion_matrix(matrix, class_names)
    values = np.asarray(matrix)
    names = [str(c) for c in class_names] or [str(i) for i in range(len(values))]
    k = len(names)
    true_idx, pred_idx = np.meshgrid(range(k), range(k), indexing="ij")
    fig.data[0].hoverinfo = "skip"  # clicks and hovers go to the markers, which Streamlit can select
    fig.data[0].hovertemplate = None
    fig.add_trace(
        go.Scatter(
            x=[names[j] for j in pred_idx.ravel()],
            y=[names[i] for i in true_idx.ravel()],
            customdata=np.stack([true_idx.ravel(), pred_idx.ravel()], axis=1),
            text=values.ravel(),
            mode="markers",
            marker={
                "size": max(8, 360 // max(k, 1)),
                "symbol": "square",
                "opacity": 0.01,
                "color": "#f58518",
            },
            selected={"marker": {"opacity": 0.35}},
            unselected={"marker": {"opacity": 0.01}},
            hovertemplate="true %{y}, predicted %{x}: %{text}<br>click to see them<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(title_text=title, clickmode="event+select")
    return fig


def example_strip(images, captions: Sequence[str], title: str = "", columns: int = 8) -> go.Figure:
    """A row (or grid) of small raw images, each with a caption above it."""
    imgs = [np.clip(as_numpy(i), 0, 1) for i in images]
    n = len(imgs)
    cols = max(1, min(columns, n))
    rows = int(np.ceil(n / cols)) or 1
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=list(captions),
        horizontal_spacing=0.01,
        vertical_spacing=0.25 / rows,
    )
    for i, img in enumerate(imgs):
        fig.add_trace(image_trace(img), row=i // cols + 1, col=i % cols + 1)
    image_axes(fig)
    fig.update_annotations(font_size=11)
    style_figure(fig, title, 50 + rows * 135)
    fig.update_layout(margin={"t": 60 if title else 30})
    return fig
