"""A GAN on 2-D data, drawn as GAN Lab draws it (our own figures, redrawn live): the discriminator's verdict
as a heat map with the real and generated points and the generator's push on each of its points, and the
latent grid folded onto the data by the generator.

Pure functions of a `dlcore.generative.gan.GanPicture`, with the live charts' look and limits (one trace per
kind of mark, lines joined with gaps, a constant `uirevision`), so they redraw several times a second.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dlcore.generative.gan import GanPicture
from dlcore.plots.samples import REAL_COLOUR
from dlcore.plots.style import fast_figure, live_layout, marker_trace

REAL_POINT_COLOUR = "#1b7a3a"  # green: real, as the discriminator's "real" side of the heat map
FAKE_POINT_COLOUR = "#6a3d9a"  # purple: generated, as its "fake" side
PUSH_COLOUR = "#2b1846"
# D(x) from 0 (sure it is fake) through 0.5 (cannot tell) to 1 (sure it is real): pale tints, so the points
# stay readable over them on a projector.
VERDICT_SCALE = [[0.0, "#cdb8e8"], [0.5, "#ffffff"], [1.0, "#b7e1b5"]]
PUSH_SCALE = 0.05  # an arrow is the push times this share of the plane's half-width: lengths compare
PUSH_MOST = 0.3  # ... and at most this share of it, so a huge push stays on the plane
ROW_COLOUR, COLUMN_COLOUR = "#1f77b4", "#ff7f0e"
PLANE_HEIGHT = 280


def _square_axes(layout: dict, bounds: float) -> dict:
    span = [-bounds, bounds]
    layout["xaxis"] = {**layout["xaxis"], "range": span, "constrain": "domain", "zeroline": False}
    layout["yaxis"] = {**layout["yaxis"], "range": span, "scaleanchor": "x", "constrain": "domain"}
    layout["margin"] = {"l": 40, "r": 10, "t": 40, "b": 30}
    layout["showlegend"] = False  # the title names the colours: a legend would cover it in a narrow column
    return layout


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of many line segments as one line trace: start, end, gap, start, end, gap, ..."""
    gaps = np.full((len(starts), 1), np.nan)
    x = np.concatenate([starts[:, :1], ends[:, :1], gaps], axis=1).ravel()
    y = np.concatenate([starts[:, 1:], ends[:, 1:], gaps], axis=1).ravel()
    return x, y


def push_arrows(picture: GanPicture) -> np.ndarray:
    """Where each arrow ends: every fake point moved along its push, on one scale for the whole run (so a
    weak push looks weak), capped at PUSH_MOST of the plane."""
    arrows = picture.push * (PUSH_SCALE * picture.bounds)
    length = np.linalg.norm(arrows, axis=1, keepdims=True)
    most = PUSH_MOST * picture.bounds
    arrows = np.where(length > most, arrows * most / np.maximum(length, 1e-12), arrows)
    return picture.fake + arrows


PLANE_TITLE = (
    f"D(x): <span style='color:{REAL_POINT_COLOUR}'>real</span>, "
    f"<span style='color:{FAKE_POINT_COLOUR}'>generated</span> + push"
)


def gan_plane(picture: GanPicture, title: str = PLANE_TITLE) -> go.Figure:
    """The discriminator's D(x) over the plane (green: says real, purple: says fake), the real points
    (green), the generated ones (purple), and a line from each generated point along its generator
    gradient: where training moves it next."""
    x, y = _segments(picture.fake, push_arrows(picture))
    traces = [
        {
            "type": "heatmap",
            "x": picture.ticks,
            "y": picture.ticks,
            "z": picture.heat,
            "zmin": 0,
            "zmax": 1,
            "colorscale": VERDICT_SCALE,
            "showscale": False,
            "hovertemplate": "D(x) = %{z:.2f}<extra></extra>",
        },
        marker_trace(picture.real, "real", REAL_POINT_COLOUR, opacity=0.85),
        marker_trace(picture.fake, "generated", FAKE_POINT_COLOUR, opacity=0.85),
        {
            "type": "scatter",
            "x": x,
            "y": y,
            "mode": "lines",
            "name": "push",
            "line": {"color": PUSH_COLOUR, "width": 1},
            "hoverinfo": "skip",
        },
    ]
    return fast_figure(traces, _square_axes(live_layout(title, "", "", height=PLANE_HEIGHT), picture.bounds))


def gan_manifold(picture: GanPicture, title: str = "Latent grid through the generator") -> go.Figure:
    """A regular grid of latent points carried through the generator, its lines joined as they were in
    the latent plane (blue along the first latent axis, orange along the second), over the real data:
    where the grid bunches up the generator puts many points, where it stretches few."""
    grid = picture.manifold  # (L, L, 2)
    rows = np.concatenate([grid, np.full((len(grid), 1, 2), np.nan)], axis=1).reshape(-1, 2)
    across = grid.transpose(1, 0, 2)
    columns = np.concatenate([across, np.full((len(across), 1, 2), np.nan)], axis=1).reshape(-1, 2)
    line = lambda xy, name, colour: {  # noqa: E731
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "mode": "lines",
        "name": name,
        "line": {"color": colour, "width": 1.2},
        "hoverinfo": "skip",
    }
    traces = [
        marker_trace(picture.real, "real", REAL_COLOUR, size=4, opacity=0.85),
        line(rows, "latent z1 lines", ROW_COLOUR),
        line(columns, "latent z2 lines", COLUMN_COLOUR),
    ]
    return fast_figure(traces, _square_axes(live_layout(title, "", "", height=PLANE_HEIGHT), picture.bounds))
