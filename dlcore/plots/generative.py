"""Figures of the Generative page's autoencoder and VAE views, redrawn live: the latent space (test codes on a
plane, coloured by class or, for 2-D points, by where the input lies), and the points decoded from a grid
of latent points, joined along the grid's rows and columns so the student sees how the decoder folds the
latent plane onto the data, and reconstructed points. Images use `samples.sample_images`.

Pure functions with the live charts' look and limits (go.Scatter, at most MAX_POINTS points per trace).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dlcore.plots.results import reconstructions
from dlcore.plots.samples import SAMPLE_COLOUR, sample_points
from dlcore.plots.style import MAX_POINTS, as_numpy, fast_figure, live_layout, marker_trace

# Ten classes that stay apart on a projector; red is kept for errors.
CLASS_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79")  # fmt: skip


def latent_scatter(
    plane,
    labels=None,
    class_names=None,
    inputs=None,
    axes: tuple[str, str] = ("z1", "z2"),
    title: str = "Latent space (test codes)",
    height: int = 300,
) -> go.Figure:
    """Test codes (N, 2) on the latent plane: one colour per class when `labels` are given, each class's
    name written at the middle of its codes; otherwise
    coloured by the angle of each 2-D input around the data's centre (`inputs`), so neighbours in the data
    share a colour and a tear or a fold in the latent space shows as a jump in colour."""
    plane = as_numpy(plane)[:MAX_POINTS]
    traces = []
    if labels is not None:
        labels = np.asarray(labels)[: len(plane)]
        for k in np.unique(labels):
            mine = plane[labels == k]
            name = class_names[k] if class_names is not None and k < len(class_names) else str(k)
            colour = CLASS_PALETTE[int(k) % len(CLASS_PALETTE)]
            traces += [_markers(mine, str(name), colour), _name_at_centre(mine, str(name), colour)]
    else:
        colour = {"color": SAMPLE_COLOUR}
        if inputs is not None:
            xy = as_numpy(inputs)[: len(plane)]
            centred = xy - xy.mean(axis=0)
            angle = np.degrees(np.arctan2(centred[:, 1], centred[:, 0]))
            colour = {"color": angle, "colorscale": "HSV", "cmin": -180, "cmax": 180}
        traces.append(
            {**_markers(plane, "test input", ""), "marker": {"size": 6, **colour}, "showlegend": False}
        )
    layout = live_layout(title, axes[0], axes[1], height=height)
    layout["showlegend"] = False  # each class is named at the middle of its codes, readable from the back
    return fast_figure(traces, layout)


def _name_at_centre(xy: np.ndarray, name: str, colour: str) -> dict:
    """The class's name, large, at the median of its codes (on a white halo, so it reads over the dots)."""
    centre = np.median(xy, axis=0)
    return {
        "type": "scatter",
        "x": [centre[0]],
        "y": [centre[1]],
        "mode": "text",
        "text": [f"<b>{name}</b>"],
        "textfont": {"color": colour, "size": 18, "shadow": "0 0 3px white"},
        "hoverinfo": "skip",
    }


def _markers(xy: np.ndarray, name: str, colour: str) -> dict:
    return marker_trace(xy, name, colour, size=6, hover=f"{name} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>")


def latent_grid_points(
    real,
    decoded,
    shape: tuple[int, int],
    title: str = "Decoded from a grid of latent points",
    height: int = 300,
) -> go.Figure:
    """2-D data in grey and the points decoded from a grid of latent points (`shape`: rows, columns; row by
    row), joined along the grid's rows and columns: the latent plane as the decoder lays it over the data
    (a latent of one number: one row, the curve the decoder draws)."""
    grid = as_numpy(decoded).reshape(*shape, 2)
    lines = []
    for line in (
        *grid,
        *(grid.transpose(1, 0, 2) if shape[0] > 1 else ()),
    ):  # rows, columns; a gap after each
        lines += [*line, (np.nan, np.nan)]
    fig = sample_points(real, np.asarray(lines), title)
    fig.data[1].update(mode="lines+markers", name="decoded grid", line={"color": SAMPLE_COLOUR, "width": 1})
    fig.data[1].marker.size = 4
    fig.layout.height = height
    _legend_below(fig)
    return fig


def reconstructed_points(inputs, outputs, height: int = 300, title: str = "Test points rebuilt") -> go.Figure:
    """Test points joined to their reconstructions (`results.reconstructions`), its legend under the plot so
    a narrow panel keeps the title clear."""
    fig = reconstructions(inputs, outputs, height=height)
    fig.data[0].showlegend = False  # the grey lines join each point to its rebuilt self: what is lost
    fig.layout.title.text = title
    _legend_below(fig)
    return fig


def _legend_below(fig: go.Figure) -> None:
    """The legend under the plot, clear of the x axis's title: a narrow panel keeps its title whole."""
    fig.layout.legend = {"orientation": "h", "y": -0.32, "x": 0, "yanchor": "top"}
    fig.layout.margin = {"l": 40, "r": 10, "t": 40, "b": 60}
