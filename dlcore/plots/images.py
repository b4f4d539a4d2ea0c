"""Images and grids of small tiles, shared by the figures that look inside a model.

Images are (C, H, W) tensors; one channel is drawn as a heatmap, three as a colour image. Channel grids
are tiled into ONE heatmap (blank gaps between tiles) rather than dozens of subplots: one trace draws fast
and scales to 64 channels.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import (
    UIREVISION,
    as_numpy,
)

SIGNED_SCALE = "RdBu_r"  # red pushes the class score up, blue pushes it down, white: no effect
MAGNITUDE_SCALE = "Reds"
MAP_SCALE = "Viridis"


def style_figure(fig: go.Figure, title: str, height: int, **layout) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        template="plotly_white",
        uirevision=UIREVISION,
        **layout,
    )
    return fig


def image_axes(fig: go.Figure) -> None:
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


def wrap_title(text: str, width_px: float) -> str:
    """`text` (lines split by <br>) broken at spaces into lines that fit `width_px` at 13 px, never cut."""
    width = max(8, int(width_px // 7))
    lines = (textwrap.wrap(line, width, break_long_words=False) or [line] for line in text.split("<br>"))
    return "<br>".join(part for parts in lines for part in parts)


def tile_grid(
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
        subplot_titles=[wrap_title(t, tile_px) for t in titles],
        horizontal_spacing=gap_px / plot_px,
        vertical_spacing=row_gap_px / height if rows > 1 else 0.0,
    )
    fig.update_annotations(font_size=TEXT_PX + 1, yshift=2)
    return fig, cols, height


def style_tiles(fig: go.Figure, title: str, plot_height: int, left: int, right: int) -> go.Figure:
    """`style_figure` for a tile grid: room above for the title and the first row's tile titles."""
    top = (35 if title else 0) + TILE_TITLE_PX
    style_figure(fig, title, plot_height + top + 10)
    fig.update_layout(margin={"l": left, "r": right, "t": top, "b": 10})
    return fig


def square_tiles(fig: go.Figure, n: int) -> None:
    """Each of the first `n` tiles square (its y axis scaled like its own x axis)."""
    fig.update_layout(
        {
            "yaxis" if k == 1 else f"yaxis{k}": {"scaleanchor": f"x{k if k > 1 else ''}"}
            for k in range(1, n + 1)
        }
    )


def image_trace(image, name: str = "", **heatmap) -> go.BaseTraceType:
    """One (C, H, W) image with values in [0, 1]: grey heatmap for 1 channel, colour image for 3."""
    img = np.clip(as_numpy(image), 0, 1)
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
    fig = go.Figure(image_trace(image))
    image_axes(fig)
    return style_figure(fig, title, height)


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
