"""Figures for looking inside a model: pure functions, tensors or frames in -> plotly Figure out.

Images are (C, H, W) tensors; one channel is drawn as a heatmap, three as a colour image. Channel grids
are tiled into ONE heatmap (blank gaps between tiles) rather than dozens of subplots: one trace draws fast
and scales to 64 channels.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from dlcore.plots import UIREVISION, confusion_matrix, downsample

SIGNED_SCALE = "RdBu_r"  # red pushes the class score up, blue pushes it down, white: no effect
MAGNITUDE_SCALE = "Reds"
MAP_SCALE = "Viridis"


def _style(fig: go.Figure, title: str, height: int, **layout) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        template="plotly_white",
        uirevision=UIREVISION,
        **layout,
    )
    return fig


def _image_axes(fig: go.Figure) -> None:
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")


# Small multiples (one map per method, per head) keep a size a class can read from the back of the room:
# they wrap onto rows instead of shrinking. `width_px` is the width a figure is shown at (the main column
# of a page at 1280x720, sidebar open).
PAGE_WIDTH_PX = 820
MIN_TILE_PX = 180
TILE_GAP_PX = 14
TILE_TITLE_PX = 44  # two lines of 13 px subplot title above each tile
TEXT_PX = 12  # the smallest text in these figures


def _wrap(text: str, width_px: float) -> str:
    """`text` (lines split by <br>) broken at spaces into lines that fit `width_px` at 13 px, never cut."""
    width = max(8, int(width_px // 7))
    lines = (textwrap.wrap(line, width, break_long_words=False) or [line] for line in text.split("<br>"))
    return "<br>".join(part for parts in lines for part in parts)


def _tile_grid(
    titles: Sequence[str],
    plot_px: float,
    min_tile_px: int = MIN_TILE_PX,
    gap_px: int = TILE_GAP_PX,
    row_gap_px: int = TILE_TITLE_PX,
) -> tuple[go.Figure, int, int]:
    """An empty figure of square tiles `gap_px` apart (rows `row_gap_px` apart), `titles` above them,
    wrapped into rows across a plotting area `plot_px` wide; returns it, its columns and the plotting
    area's height."""
    cols = max(1, min(len(titles), int(plot_px + gap_px) // (min_tile_px + gap_px)))
    rows = math.ceil(len(titles) / cols)
    tile_px = (plot_px - (cols - 1) * gap_px) / cols
    height = int(rows * tile_px + (rows - 1) * row_gap_px)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[_wrap(t, tile_px) for t in titles],
        horizontal_spacing=gap_px / plot_px,
        vertical_spacing=row_gap_px / height if rows > 1 else 0.0,
    )
    fig.update_annotations(font_size=TEXT_PX + 1, yshift=2)
    return fig, cols, height


def _style_tiles(fig: go.Figure, title: str, plot_height: int, left: int, right: int) -> go.Figure:
    """`_style` for a tile grid: room above for the title and the first row's tile titles."""
    top = (35 if title else 0) + TILE_TITLE_PX
    _style(fig, title, plot_height + top + 10)
    fig.update_layout(margin={"l": left, "r": right, "t": top, "b": 10})
    return fig


def _square_tiles(fig: go.Figure, n: int) -> None:
    """Each of the first `n` tiles square (its y axis scaled like its own x axis)."""
    fig.update_layout(
        {
            "yaxis" if k == 1 else f"yaxis{k}": {"scaleanchor": f"x{k if k > 1 else ''}"}
            for k in range(1, n + 1)
        }
    )


def _as_numpy(t) -> np.ndarray:
    return t.detach().cpu().float().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, dtype=float)


def _image_trace(image, name: str = "", **heatmap) -> go.BaseTraceType:
    """One (C, H, W) image with values in [0, 1]: grey heatmap for 1 channel, colour image for 3."""
    img = np.clip(_as_numpy(image), 0, 1)
    if img.shape[0] == 3:
        return go.Image(z=(img.transpose(1, 2, 0) * 255).astype(np.uint8), name=name, hoverinfo="skip")
    return go.Heatmap(
        z=img.mean(axis=0),
        colorscale="gray",
        zmin=0,
        zmax=1,
        showscale=False,
        name=name,
        hovertemplate="x %{x}, y %{y}: %{z:.2f}<extra></extra>",
        **heatmap,
    )


def image_figure(image, title: str = "", height: int = 260) -> go.Figure:
    """A (C, H, W) raw image (values in [0, 1])."""
    fig = go.Figure(_image_trace(image))
    _image_axes(fig)
    return _style(fig, title, height)


def tile(maps: np.ndarray, columns: int, normalise: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Lay out (N, H, W) maps in a grid with one blank (NaN) row/column between tiles.

    Returns the tiled values (each map scaled to [0, 1] when `normalise`) and, per cell, the map index
    (-1 in gaps), for hover text.
    """
    n, h, w = maps.shape
    rows = int(np.ceil(n / columns))
    tiled = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    index = np.full(tiled.shape, -1)
    for i, m in enumerate(maps):
        if normalise:
            lo, hi = np.nanmin(m), np.nanmax(m)
            m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        r, c = divmod(i, columns)
        tiled[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = m
        index[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = i
    return tiled, index


def feature_map_grid(maps, layer: str, max_channels: int = 32, columns: int = 8) -> go.Figure:
    """Every channel of one layer's (C, H, W) output as a small heatmap, each scaled to its own range.

    Bright = strongly active. Hover shows the channel and the raw value. A 1-D convolution's (C, L) output
    is one heatmap with a row per channel.
    """
    values = _as_numpy(maps)
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
    _image_axes(fig)
    more = f" (first {max_channels} shown)" if c > max_channels else ""
    rows = tiled.shape[0] / (h + 1)
    height = int(min(520, max(140, 60 + rows * min(110, 900 / columns))))
    return _style(fig, f"{layer} — {c} channels × {h}×{w}{more}", height)


def attention_grid(
    weights, layer: str, tokens: Sequence[str] | None = None, width_px: int = PAGE_WIDTH_PX
) -> go.Figure:
    """One attention layer's (heads, L, L) weights, a heatmap per head: row = query position, column =
    key position, darker = more attention. All heads share one scale (each row sums to 1).

    `tokens`: the input's L tokens, written along both axes (positions 0..L-1 without them). Heads wrap
    onto rows; a tile leaves every token a line of 12 px text.
    """
    values = _as_numpy(weights)
    heads, length, _ = values.shape
    labels = [str(t) for t in tokens] if tokens is not None and len(tokens) == length else None
    labels = labels or [str(i) for i in range(length)]
    # token labels sit in the gaps and the left margin; the colour bar takes the right margin
    left, right, gap = 34, 90, 40
    min_tile = max(MIN_TILE_PX, 40 + 16 * length)
    titles = [f"head {h}" for h in range(heads)]
    fig, cols, height = _tile_grid(titles, width_px - left - right, min_tile, gap, TILE_TITLE_PX + 20)
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
    _square_tiles(fig, heads)
    fig.update_layout(
        coloraxis={
            "colorscale": "Blues",
            "cmin": 0,
            "cmax": float(values.max()) or 1.0,
            "colorbar": {"title": {"text": "weight"}, "thickness": 12, "tickfont": {"size": TEXT_PX}},
        },
    )
    title = f"{layer} — {heads} heads (row: a token, columns: where it looked)"
    return _style_tiles(fig, title, height, left, right)


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
    _style(fig, f"{layer} {what} — {c} channels × {length}", int(min(420, 120 + 14 * c)))
    fig.update_layout(margin={"l": 60, "r": 10, "t": 40, "b": 40})
    return fig


def filter_grid(weight, layer: str, max_filters: int = 32) -> go.Figure:
    """A first convolution layer's filters (out, in, kh, kw): colour images for RGB input, else heatmaps
    with red for positive and blue for negative weights (shared scale, so strong filters stand out).
    A 1-D convolution's (out, in, k) filters: one row per filter (averaged over input channels)."""
    w = _as_numpy(weight)[:max_filters]
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
    _image_axes(fig)
    rows = int(np.ceil(out / columns))
    return _style(fig, f"{layer} filters — {out} × {kh}×{kw}", int(min(420, 80 + rows * 70)))


def input_figure(x, feature_names: Sequence[str] = ()) -> go.Figure:
    """One non-image input as the model sees it (normalised): a line per feature over the steps of a
    (L, F) sequence, else a bar per feature (or token)."""
    values = _as_numpy(x)
    fig = go.Figure()
    if values.ndim == 2:
        for f in range(values.shape[1]):
            name = feature_names[f] if len(feature_names) == values.shape[1] else f"feature {f}"
            fig.add_trace(go.Scatter(y=values[:, f], mode="lines+markers", marker_size=4, name=name))
        _style(fig, f"input — {values.shape[0]} steps × {values.shape[1]} features", 240)
        fig.update_xaxes(title="step")
    else:
        v = values.reshape(-1)
        labels = list(feature_names) if len(feature_names) == len(v) else [str(i) for i in range(len(v))]
        fig.add_trace(
            go.Bar(x=labels, y=v, marker_color="#4c78a8", hovertemplate="%{x}: %{y:.3f}<extra></extra>")
        )
        _style(fig, f"input — {len(v)} values", 240)
        fig.update_xaxes(type="category")
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 40, "b": 40}, showlegend=values.ndim == 2 and values.shape[1] > 1
    )
    return fig


def activation_bars(
    values, layer: str, labels: Sequence[str] | None = None, max_units: int = 128
) -> go.Figure:
    """One dense layer's outputs for one input as bars (unit number or class name on the x axis)."""
    v = _as_numpy(values).reshape(-1)
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
    _style(fig, f"{layer} — {len(v)} units ({dead} at or below zero{more})", 220, bargap=0.1)
    fig.update_xaxes(type="category" if labels is not None else "linear", showticklabels=len(shown) <= 40)
    return fig


def probability_bars(probs, class_names: Sequence[str], true_class: int | None = None) -> go.Figure:
    """The model's class probabilities for one input; the true class (if known) in green."""
    p = _as_numpy(probs).reshape(-1)
    names = [str(c) for c in class_names] if len(class_names) == len(p) else [str(i) for i in range(len(p))]
    colours = ["#54a24b" if i == true_class else "#4c78a8" for i in range(len(p))]
    fig = go.Figure(go.Bar(x=names, y=p, marker_color=colours, hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    _style(fig, "Prediction", 220)
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_xaxes(type="category")
    return fig


def _collapse(attribution) -> np.ndarray:
    """(C, H, W) -> (H, W) by summing the channels (signed)."""
    a = _as_numpy(attribution)
    return a.sum(axis=0) if a.ndim == 3 else a


# Over the input, a colour scale that fades to transparent where the attribution is near zero, so the
# picture shows through: what mattered is coloured, the rest stays as the image.
SIGNED_OVERLAY = [[0.0, "rgba(33,102,172,0.9)"], [0.5, "rgba(255,255,255,0)"], [1.0, "rgba(178,24,43,0.9)"]]
MAGNITUDE_OVERLAY = [[0.0, "rgba(203,24,29,0)"], [0.15, "rgba(203,24,29,0.1)"], [1.0, "rgba(165,15,21,0.95)"]]


def attribution_grid(
    image,
    attributions: Mapping[str, object],
    signed: Mapping[str, bool] | None = None,
    title: str = "",
    captions: Mapping[str, str] | None = None,
    overlay: bool = True,
    width_px: int = PAGE_WIDTH_PX,
) -> go.Figure:
    """The input and one heatmap per method: {method title: (C, H, W) attribution}, wrapped onto rows of
    tiles at least MIN_TILE_PX wide in a figure `width_px` wide.

    Each map is scaled by its own largest magnitude (methods differ in units). Signed maps: red raised
    the class score, blue lowered it. Magnitude maps: darker red = mattered more. With `overlay` each map
    is drawn over a copy of the input, transparent where it is near zero.
    """
    names = list(attributions)
    captions = captions or {}
    subtitles = ["input"] + [f"{n}<br>{captions[n]}" if n in captions else n for n in names]
    fig, cols, height = _tile_grid(subtitles, width_px - 20)
    fig.add_trace(_image_trace(image), row=1, col=1)
    for i, name in enumerate(names, start=1):
        where = {"row": i // cols + 1, "col": i % cols + 1}
        a = _collapse(attributions[name])
        is_signed = True if signed is None else signed.get(name, True)
        if not is_signed:
            a = np.abs(a)
        bound = float(np.abs(a).max()) or 1.0
        if overlay:  # the input faded towards white, so the colours on top stay readable on dark images
            faded = 0.6 + 0.4 * np.clip(_as_numpy(image), 0, 1)
            fig.add_trace(_image_trace(faded, name="input"), **where)
            scale = SIGNED_OVERLAY if is_signed else MAGNITUDE_OVERLAY
        else:
            scale = SIGNED_SCALE if is_signed else MAGNITUDE_SCALE
        fig.add_trace(
            go.Heatmap(
                z=a / bound,
                colorscale=scale,
                zmin=-1 if is_signed else 0,
                zmax=1,
                showscale=False,
                name=name,
                hovertemplate=f"{name}<br>x %{{x}}, y %{{y}}: %{{z:.2f}} of max<extra></extra>",
            ),
            **where,
        )
    _image_axes(fig)
    _square_tiles(fig, len(subtitles))
    return _style_tiles(fig, title, height, 10, 10)


def feature_attribution_bars(
    attributions: Mapping[str, object], labels: Sequence[str], title: str, axis_title: str = "feature"
) -> go.Figure:
    """Per-feature (tabular) or per-step (sequence, tokens) attribution, one bar group per method.

    {method title: (N,) attribution}; each method scaled by its largest magnitude so they share an axis.
    """
    fig = go.Figure()
    for name, values in attributions.items():
        v = _as_numpy(values).reshape(-1)
        bound = float(np.abs(v).max()) or 1.0
        x = list(labels) if len(labels) == len(v) else list(range(len(v)))
        fig.add_trace(go.Bar(x=[str(s) for s in x], y=v / bound, name=name, hovertemplate="%{x}: %{y:.2f}"))
    _style(fig, title, 340, barmode="group", legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(type="category", title=axis_title)
    fig.update_yaxes(title="attribution (share of the largest)", range=[-1.05, 1.05], zeroline=True)
    return fig


def randomisation_figure(
    image, stages: Sequence[Mapping], method_title: str, signed: bool, overlay: bool = True
) -> go.Figure:
    """The sanity check: the map for the trained model, then after re-initialising layers from the top."""
    attributions = {s["stage"]: s["attribution"] for s in stages}
    captions = {s["stage"]: f"similarity {round(s['similarity'], 2) + 0.0:.2f}" for s in stages}  # no "-0.00"
    fig = attribution_grid(
        image,
        attributions,
        signed={k: signed for k in attributions},
        title=f"{method_title}: does the map change when the weights are randomised?",
        captions=captions,
        overlay=overlay,
    )
    return fig


# --- over training time --------------------------------------------------------------------------------

BANDS = (("p0", "p100"), ("p7", "p93"), ("p16", "p84"), ("p31", "p69"))


def distribution_over_time(percentiles: pd.DataFrame, layer: str, kind: str) -> go.Figure:
    """TensorBoard-style distribution: nested percentile bands (min–max, 7–93 %, 16–84 %, 31–69 %) and
    the median of one layer's weights or gradients over training steps."""
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
    _style(fig, f"{layer} {kind}s over training", 300, legend={"orientation": "h", "y": -0.35})
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
    _style(fig, f"{layer} {kind} histograms over training", 300, showlegend=False)
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
    _style(fig, "Dead ReLU units (zero for every probe input)", 240)
    fig.update_layout(margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(title="step")
    return fig


# --- confusion matrix with clickable cells ---------------------------------------------------------------


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
    imgs = [np.clip(_as_numpy(i), 0, 1) for i in images]
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
        fig.add_trace(_image_trace(img), row=i // cols + 1, col=i % cols + 1)
    _image_axes(fig)
    fig.update_annotations(font_size=11)
    _style(fig, title, 50 + rows * 135)
    fig.update_layout(margin={"t": 60 if title else 30})
    return fig


# --- adversarial examples ------------------------------------------------------------------------------


def adversarial_figure(
    original, perturbation, adversarial, captions: Sequence[str], amplify: float
) -> go.Figure:
    """Original | perturbation (amplified, grey = 0) | adversarial, each (C, H, W) in raw units."""
    delta = _as_numpy(perturbation)
    shown_delta = np.clip(0.5 + delta * amplify / 2, 0, 1)
    titles = [captions[0], f"{captions[1]} (×{amplify:g})", captions[2]]
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.03)
    for col, img in enumerate((original, shown_delta, adversarial), start=1):
        fig.add_trace(_image_trace(img), row=1, col=col)
    _image_axes(fig)
    for k in (2, 3):
        fig.update_yaxes(scaleanchor=f"x{k}", row=1, col=k)
    fig.update_annotations(font_size=13, yshift=4)
    _style(fig, "", 320)
    fig.update_layout(margin={"t": 40})  # room for the three titles
    return fig


def robustness_curve(curves: pd.DataFrame | Sequence[Mapping]) -> go.Figure:
    """Test accuracy against epsilon, one line per `label` (columns or keys epsilon, accuracy, label)."""
    curves = pd.DataFrame(curves)
    fig = go.Figure()
    for label in dict.fromkeys(curves["label"]):
        rows = curves[curves["label"] == label]
        fig.add_trace(
            go.Scatter(x=rows["epsilon"], y=rows["accuracy"], mode="lines+markers", name=str(label))
        )
    _style(fig, "Test accuracy under attack", 320, legend={"orientation": "h", "y": -0.25})
    fig.update_layout(margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="accuracy")
    fig.update_xaxes(title="ε (share of the pixel range)")
    return fig
