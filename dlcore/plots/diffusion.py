"""Figures of diffusion: the noise schedules, the data noised at t, the denoiser's direction over the plane,
the way from noise to data (points travelling, or one image's chain), and sample quality over training.

Pure functions, data in -> figure out, with the live charts' look and limits, so they redraw in place
several times a second. Points are in the data's normalised space, where pure noise is N(0, I): every
2-D view keeps the same square window (EXTENT), so nothing jumps while t or training moves.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.generative.diffusion import WINDOW as EXTENT
from dlcore.plots.samples import IMAGE_GAP, REAL_COLOUR, SAMPLE_COLOUR, SAMPLE_HEIGHT, sample_images
from dlcore.plots.style import (
    MAX_EPOCH_POINTS,
    MAX_POINTS,
    VAL_COLOUR,
    as_numpy,
    downsample,
    evenly,
    fast_figure,
    has_values,
    live_layout,
    marker_trace,
)

ARROW_COLOUR = "#d97706"
TRAILS = 15  # particles whose whole way so far is drawn (more would hide the others)
SCHEDULE_COLOURS = {"linear": "#1f77b4", "cosine": "#2ca02c"}


def _plane_layout(title: str, height: int = SAMPLE_HEIGHT) -> dict:
    """A square window on the plane, the legend under it: a view is half a projector's width, so its title
    is kept to two short lines and nothing sits over it."""
    layout = live_layout(title, "", "", height=height)
    layout["margin"] = {"l": 30, "r": 10, "t": 58 if "<br>" in title else 40, "b": 45}
    layout["legend"] = {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.1, "yanchor": "top"}
    window = [-EXTENT, EXTENT]
    layout["xaxis"] = {**layout["xaxis"], "range": window, "constrain": "domain"}
    layout["yaxis"] = {**layout["yaxis"], "range": window, "scaleanchor": "x", "constrain": "domain"}
    return layout


def _points_trace(points, name: str, colour: str, size: int = 5, opacity: float = 0.8) -> dict:
    xy = as_numpy(points)
    return marker_trace(xy[evenly(len(xy), MAX_POINTS)], name, colour, size, opacity)


def noise_schedule(curves: dict, chosen: str, t: int, height: int = SAMPLE_HEIGHT) -> go.Figure:
    """ᾱ (the share of the data's signal left) against t for every schedule in `curves` (name -> values
    for t = 0..T), the chosen one bold, and a marker at t on it."""
    traces = []
    for name, values in curves.items():
        values = as_numpy(values)
        traces.append(
            {
                "type": "scatter",
                "x": np.arange(len(values)),
                "y": values,
                "mode": "lines",
                "name": name + (" (chosen)" if name == chosen else ""),
                "line": {"color": SCHEDULE_COLOURS.get(name), "width": 4 if name == chosen else 1.5},
            }
        )
    here = float(as_numpy(curves[chosen])[t])
    traces.append(
        {
            "type": "scatter",
            "x": [t],
            "y": [here],
            "mode": "markers+text",
            "text": [f"t = {t}: ᾱ = {here:.2f}"],
            "textposition": "top right" if t < len(as_numpy(curves[chosen])) / 2 else "top left",
            "marker": {"color": "black", "size": 10},
            "showlegend": False,
            "hoverinfo": "skip",
        }
    )
    title = "Noise schedule<br><sup>ᾱ: the share of the data's signal left at each t</sup>"
    layout = live_layout(title, "t (noising steps)", "ᾱ", height=height)
    layout["margin"] = {**layout["margin"], "t": 58}
    layout["yaxis"] = {**layout["yaxis"], "range": [-0.05, 1.1]}
    # inside, top right: the curves are near 0 there by the end, and the title needs its two lines
    layout["legend"] = {
        "x": 0.98,
        "xanchor": "right",
        "y": 0.98,
        "yanchor": "top",
        "bgcolor": "rgba(255,255,255,0.8)",
    }
    return fast_figure(traces, layout)


def forward_points(data, noisy, t: int, timesteps: int, height: int = SAMPLE_HEIGHT) -> go.Figure:
    """The data (grey) and the same points after t of T noising steps (coloured)."""
    traces = [
        _points_trace(data, "data", REAL_COLOUR),
        _points_trace(noisy, f"noised to t = {t}", SAMPLE_COLOUR),
    ]
    title = f"Forward process<br><sup>the data after t = {t} of {timesteps} noising steps</sup>"
    return fast_figure(traces, _plane_layout(title, height))


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[list, list]:
    """x and y of line segments start -> end in one trace (None between segments)."""
    xs = np.stack([starts[:, 0], ends[:, 0], np.full(len(starts), np.nan)], axis=1).ravel()
    ys = np.stack([starts[:, 1], ends[:, 1], np.full(len(starts), np.nan)], axis=1).ravel()
    return xs, ys


def denoising_arrows(grid, arrows, noisy, t: int, height: int = SAMPLE_HEIGHT) -> go.Figure:
    """Arrows from grid points (n, 2) along `arrows` (n, 2), where the denoiser sends each point at noise
    level t, over the data noised to t (grey). Scaled together so the longest spans one grid cell: their
    lengths compare, and none hides another."""
    grid, arrows = as_numpy(grid), as_numpy(arrows)
    cell = 2 * EXTENT / max(1, int(round(len(grid) ** 0.5)) - 1)
    longest = float(np.linalg.norm(arrows, axis=1).max()) if len(arrows) else 0.0
    shown = arrows * (0.9 * cell / longest if longest > 0 else 0.0)
    tips = grid + shown
    # an arrowhead: two short strokes back from the tip, 25° either side of the shaft
    heads = []
    for angle in (np.radians(155), np.radians(-155)):
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        heads.append((tips, tips + 0.35 * shown @ rotation.T))
    xs, ys = zip(*[_segments(a, b) for a, b in [(grid, tips), *heads]], strict=True)
    traces = [
        _points_trace(noisy, f"data at t = {t}", REAL_COLOUR, opacity=0.6),
        {
            "type": "scatter",
            "x": np.concatenate(xs),
            "y": np.concatenate(ys),
            "mode": "lines",
            "name": "direction",
            "line": {"color": ARROW_COLOUR, "width": 2},
            "hoverinfo": "skip",
        },
    ]
    title = f"Denoising direction at t = {t}<br><sup>where the denoiser sends each point</sup>"
    return fast_figure(traces, _plane_layout(title, height))


def reverse_points(
    path: list, frame: int, data, distance: float | None = None, height: int = SAMPLE_HEIGHT
) -> go.Figure:
    """Sampling as particles travelling from noise to the data: `path` is the sampler's (t, x_t) pairs
    from pure noise to the samples; the particles stand at `frame`, a few of them with their way so far,
    over the data (grey); `distance`: the samples' energy distance to held-out data, said in the title."""
    frame = min(max(0, frame), len(path) - 1)
    t, here = path[frame]
    way = np.stack([as_numpy(x)[:TRAILS] for _, x in path[: frame + 1]], axis=1)  # (TRAILS, frames, 2)
    gaps = np.full((len(way), 1, 2), np.nan)
    trails = np.concatenate([way, gaps], axis=1).reshape(-1, 2)
    traces = [
        _points_trace(data, "data", REAL_COLOUR),
        {
            "type": "scatter",
            "x": trails[:, 0],
            "y": trails[:, 1],
            "mode": "lines",
            "name": "way so far",
            "line": {"color": ARROW_COLOUR, "width": 1},
            "opacity": 0.45,
            "hoverinfo": "skip",
        },
        _points_trace(here, "samples", SAMPLE_COLOUR, size=6, opacity=0.9),
    ]
    title = f"From noise to data: step {frame} of {len(path) - 1}<br><sup>t = {t}"
    if distance is not None:
        title += f" · distance to the data {distance:.3f}"
    title += "</sup>"
    return fast_figure(traces, _plane_layout(title, height))


def image_strip(images, ts: list[int], title: str, height: int = SAMPLE_HEIGHT) -> go.Figure:
    """(N, C, H, W) images in [0, 1] in one row, each with its t written under it."""
    figure = sample_images(images, title, columns=len(images))
    width = images.shape[-1]
    figure.layout.height = height
    figure.layout.margin.b = 28
    figure.layout.annotations = [
        {
            "x": i * (width + IMAGE_GAP) + (width - 1) / 2,
            "y": 0,
            "yref": "paper",
            "yanchor": "top",
            "text": f"t = {t}",
            "showarrow": False,
            "font": {"size": 13},
        }
        for i, t in enumerate(ts)
    ]
    return figure


def quality_curve(epoch_df: pd.DataFrame | None, height: int = SAMPLE_HEIGHT) -> go.Figure:
    """The energy distance between samples and held-out points at each scored epoch (lower is better; 0:
    the same cloud), over training steps."""
    traces = []
    if has_values(epoch_df, "val_energy_distance"):
        scored = downsample(epoch_df.dropna(subset=["val_energy_distance"]), MAX_EPOCH_POINTS)
        traces.append(
            {
                "type": "scatter",
                "x": scored["step"].to_numpy(),
                "y": scored["val_energy_distance"].to_numpy(),
                "mode": "lines+markers" if len(scored) < 40 else "lines",
                "name": "samples vs held-out data",
                "line": {"color": VAL_COLOUR, "width": 2.5},
            }
        )
    title = "Sample quality<br><sup>energy distance to held-out data: 0 = the same cloud</sup>"
    layout = live_layout(title, "step", "energy distance")
    layout["margin"] = {**layout["margin"], "t": 58}
    layout["height"] = height
    layout["yaxis"] = {**layout["yaxis"], "rangemode": "tozero"}
    return fast_figure(traces, layout)
