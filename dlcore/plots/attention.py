"""The Sequences page's attention figures: every head of every layer with the tokens on its axes, the
positional codes, and a language model's next-token probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dlcore.plots.images import (
    MIN_TILE_PX,
    PAGE_WIDTH_PX,
    SIGNED_SCALE,
    TEXT_PX,
    wrap_title,
)
from dlcore.plots.style import LIVE_LOOK, UIREVISION, as_numpy

TOKEN_PX = 14  # each row and column keeps room for one 12 px label


def shown_token(token: str) -> str:
    """A token as a label: a space is drawn as '␣' so it can be seen."""
    return token.replace(" ", "␣")


def attention_layers(
    maps: Sequence, queries: Sequence[str], keys: Sequence[str], width_px: int = PAGE_WIDTH_PX
) -> go.Figure:
    """Every head of every attention layer as a heatmap: row = a position, with its token and the answer
    token it writes ("3→5"), column = the token it looked at; darker = more attention (each row sums to 1,
    every tile on one scale). `maps`: a (heads, L, L) array per layer, in order. Tiles wrap onto rows.

    All tiles are drawn as one heatmap on one pair of axes, a blank gap between them: a figure redrawn
    several times a second must be cheap to build, and Plotly's subplots cost a second for 32 tiles."""
    values = [as_numpy(m) for m in maps]
    length = values[0].shape[-1]
    tiles = [(layer, head) for layer, v in enumerate(values) for head in range(len(v))]
    left, right, gap = 56, 80, 3  # the gap, in cells, holds the next row's tile titles
    plot_px = width_px - left - right
    step = length + gap
    min_tile = max(MIN_TILE_PX, 30 + TOKEN_PX * length)
    cols = max(1, min(len(tiles), int((plot_px * length / min_tile + gap) // step)))
    rows = -(-len(tiles) // cols)
    grid = np.full((rows * step - gap, cols * step - gap), np.nan)
    # (layer, head, row, column) of each cell, numbers: a string per cell costs Plotly ~100 ms to copy
    where = np.full((*grid.shape, 4), np.nan)
    row_of, column_of = np.meshgrid(np.arange(length), np.arange(length), indexing="ij")
    titles = []
    for k, (layer, head) in enumerate(tiles):
        top, first = (k // cols) * step, (k % cols) * step
        grid[top : top + length, first : first + length] = values[layer][head]
        where[top : top + length, first : first + length] = np.stack(
            [np.full_like(row_of, layer + 1), np.full_like(row_of, head + 1), row_of, column_of], axis=-1
        )
        titles.append(
            {
                "text": f"layer {layer + 1} · head {head + 1}",
                "x": first + (length - 1) / 2,
                "y": top - 1.2,
                "xref": "x",
                "yref": "y",
                "showarrow": False,
                "font": {"size": TEXT_PX + 1},
            }
        )
    ticks = {"tickfont": {"size": TEXT_PX}, "ticks": "", "showgrid": False, "zeroline": False}
    cell_px = plot_px / grid.shape[1]
    title = "Where each position looked (row: its token → the answer it writes; column: the token seen)"
    fig = go.Figure(
        go.Heatmap(
            z=grid,
            customdata=where,
            zmin=0,
            zmax=1,
            colorscale="Blues",
            hoverongaps=False,
            hovertemplate="layer %{customdata[0]}, head %{customdata[1]}: position %{customdata[2]} "
            "looked at position %{customdata[3]}: %{z:.2f}<extra></extra>",
            colorbar={"title": {"text": "weight"}, "thickness": 12, "tickfont": {"size": TEXT_PX}},
        ),
        layout={
            "annotations": titles,
            "xaxis": {
                "tickvals": [c * step + j for c in range(cols) for j in range(length)],
                "ticktext": [shown_token(t) for _ in range(cols) for t in keys],
                "tickangle": 0,
                "constrain": "domain",
                "range": [-0.5, grid.shape[1] - 0.5],
                **ticks,
            },
            "yaxis": {
                "tickvals": [r * step + i for r in range(rows) for i in range(length)],
                "ticktext": [shown_token(t) for _ in range(rows) for t in queries],
                "range": [grid.shape[0] - 0.5, -2.2],  # reversed: row 0 on top, room for the titles
                "scaleanchor": "x",
                "constrain": "domain",
                **ticks,
            },
        },
    )
    height = int((grid.shape[0] + 1.7) * cell_px) + 50
    fig.update_layout(_live(title, height, {"l": left, "r": right, "t": 40, "b": 10}))
    return fig


def positional_codes(codes, width_px: int = PAGE_WIDTH_PX) -> go.Figure:
    """The (L, D) codes added to each position's token, and how alike two positions' codes are (cosine
    similarity): the positions attention can tell apart."""
    values = as_numpy(codes)
    length = len(values)
    unit = values / np.maximum(np.linalg.norm(values, axis=1, keepdims=True), 1e-8)
    bound = float(np.abs(values).max()) or 1.0
    signed = {"colorscale": SIGNED_SCALE, "zmin": -bound, "zmax": bound, "showscale": False}
    hover = "position %{y}, number %{x}: %{z:.2f}<extra></extra>"
    tick = {"tickfont": {"size": TEXT_PX}, "showgrid": False, "zeroline": False}
    fig = go.Figure(
        [
            go.Heatmap(z=values, **signed, hovertemplate=hover),
            go.Heatmap(
                z=unit @ unit.T,  # (L, L)
                xaxis="x2",
                yaxis="y2",
                colorscale=SIGNED_SCALE,
                zmin=-1,
                zmax=1,
                colorbar={"title": {"text": "cosine"}, "thickness": 12, "tickfont": {"size": TEXT_PX}},
                hovertemplate="positions %{y} and %{x}: %{z:.2f}<extra></extra>",
            ),
        ],
        layout={
            "xaxis": {"domain": [0, 0.52], "title": {"text": "number in the code"}, **tick},
            "yaxis": {"autorange": "reversed", "title": {"text": "position"}, **tick},
            "xaxis2": {"domain": [0.64, 1], "title": {"text": "position"}, **tick},
            "yaxis2": {"autorange": "reversed", "anchor": "x2", **tick},
        },
    )
    height = int(min(360, max(240, 130 + 12 * length)))
    title = "Positional encodings: the code per position, and how alike two positions' codes are"
    fig.update_layout(_live(wrap_title(title, width_px / 2), height, {"l": 60, "r": 10, "t": 60, "b": 40}))
    return fig


def next_token_bars(probabilities, vocabulary: Sequence[str], shown: int = 15) -> go.Figure:
    """The `shown` likeliest next tokens, likeliest first, with their probabilities."""
    p = as_numpy(probabilities).reshape(-1)
    order = np.argsort(-p, kind="stable")[:shown]
    labels = [f"'{shown_token(vocabulary[i])}'" for i in order]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=p[order],
            marker_color="#4c78a8",
            text=[f"{v:.0%}" for v in p[order]],
            textposition="outside",
            hovertemplate="%{x}: %{y:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        _live("What comes next: the likeliest characters", 280, {"l": 50, "r": 10, "t": 40, "b": 40}),
        yaxis={"range": [0, 1.1], "tickformat": ".0%", "showgrid": True, "gridcolor": "#E6EAF1"},
        xaxis={"type": "category", "tickfont": {"size": TEXT_PX + 2}},
    )
    return fig


def _live(title: str, height: int, margin: dict) -> dict:
    # The live charts' light look, without a Plotly template (deep-copying one costs a redraw ~100 ms)
    return {
        **LIVE_LOOK,
        "template": "none",
        "title": {"text": title, "x": 0.01, "font": {"size": 15, "color": "#31333F"}},
        "height": height,
        "margin": margin,
        "uirevision": UIREVISION,
    }
