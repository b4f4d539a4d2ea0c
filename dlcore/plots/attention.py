"""The Sequences page's attention figures: every head of every layer with the tokens on its axes, the
positional codes, and a language model's next-token probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.images import (
    MIN_TILE_PX,
    PAGE_WIDTH_PX,
    SIGNED_SCALE,
    TEXT_PX,
    TILE_TITLE_PX,
    square_tiles,
    style_figure,
    style_tiles,
    tile_grid,
)
from dlcore.plots.style import as_numpy

TOKEN_PX = 14  # each row and column keeps room for one 12 px label


def shown_token(token: str) -> str:
    """A token as a label: a space is drawn as '␣' so it can be seen."""
    return token.replace(" ", "␣")


def attention_layers(
    maps: Sequence, queries: Sequence[str], keys: Sequence[str], width_px: int = PAGE_WIDTH_PX
) -> go.Figure:
    """Every head of every attention layer as a heatmap: row = a position, with its token and the answer
    token it writes ("3→5"), column = the token it looked at; darker = more attention (each row sums to 1,
    every tile on one scale). `maps`: a (heads, L, L) array per layer, in order. Tiles wrap onto rows."""
    values = [as_numpy(m) for m in maps]
    length = values[0].shape[-1]
    titles = [
        f"layer {layer + 1} · head {head + 1}" for layer, v in enumerate(values) for head in range(len(v))
    ]
    left, right, gap = 56, 80, 64  # the rows' labels sit in the left margin and the gaps between tiles
    min_tile = max(MIN_TILE_PX, 30 + TOKEN_PX * length)
    fig, cols, height = tile_grid(titles, width_px - left - right, min_tile, gap, TILE_TITLE_PX + 24)
    tiles = [(layer, head) for layer, v in enumerate(values) for head in range(len(v))]
    for k, (layer, head) in enumerate(tiles):
        fig.add_trace(
            go.Heatmap(
                z=values[layer][head],
                coloraxis="coloraxis",
                customdata=np.array([[q] * length for q in queries]),
                hovertemplate=f"layer {layer + 1}, head {head + 1}<br>%{{customdata}} looked at "
                "%{x}: %{z:.2f}<extra></extra>",
                x=list(range(length)),
                y=list(range(length)),
            ),
            row=k // cols + 1,
            col=k % cols + 1,
        )
    font = {"tickfont": {"size": TEXT_PX}, "ticks": ""}
    fig.update_xaxes(
        constrain="domain",
        tickangle=0,
        tickvals=list(range(length)),
        ticktext=[shown_token(t) for t in keys],
        **font,
    )
    fig.update_yaxes(
        autorange="reversed",
        constrain="domain",
        tickvals=list(range(length)),
        ticktext=[shown_token(t) for t in queries],
        **font,
    )
    square_tiles(fig, len(tiles))
    fig.update_layout(
        coloraxis={
            "colorscale": "Blues",
            "cmin": 0,
            "cmax": 1,
            "colorbar": {"title": {"text": "weight"}, "thickness": 12, "tickfont": {"size": TEXT_PX}},
        }
    )
    title = "Where each position looked (row: its token → the answer it writes; column: the token seen)"
    return style_tiles(fig, title, height, left, right)


def positional_codes(codes, width_px: int = PAGE_WIDTH_PX) -> go.Figure:
    """The (L, D) codes added to each position's token, and how alike two positions' codes are (cosine
    similarity): the positions attention can tell apart."""
    values = as_numpy(codes)
    length = len(values)
    unit = values / np.maximum(np.linalg.norm(values, axis=1, keepdims=True), 1e-8)
    similarity = unit @ unit.T  # (L, L)
    bound = float(np.abs(values).max()) or 1.0
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.12,
        subplot_titles=["code per position", "alike? (cosine)"],
    )
    fig.add_trace(
        go.Heatmap(
            z=values,
            colorscale=SIGNED_SCALE,
            zmin=-bound,
            zmax=bound,
            showscale=False,
            hovertemplate="position %{y}, number %{x}: %{z:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    fig.add_trace(
        go.Heatmap(
            z=similarity,
            colorscale=SIGNED_SCALE,
            zmin=-1,
            zmax=1,
            colorbar={"title": {"text": "cosine"}, "thickness": 12, "tickfont": {"size": TEXT_PX}},
            hovertemplate="positions %{y} and %{x}: %{z:.2f}<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_yaxes(autorange="reversed", title={"text": "position"}, tickfont={"size": TEXT_PX})
    fig.update_xaxes(title={"text": "number in the code"}, row=1, col=1)
    fig.update_xaxes(title={"text": "position"}, row=1, col=2)
    fig.update_annotations(font_size=TEXT_PX + 1)
    height = int(min(360, max(220, 120 + 12 * length)))
    return style_figure(fig, "Positional encodings", height)


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
    style_figure(fig, "What comes next: the likeliest characters", 260)
    fig.update_yaxes(range=[0, 1.1], tickformat=".0%")
    fig.update_xaxes(type="category", tickfont={"size": TEXT_PX + 2})
    return fig
