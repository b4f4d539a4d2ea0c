"""The Build page's diagram of the network: a box per layer, the tensor shape on every arrow."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import (
    UIREVISION,
)

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
