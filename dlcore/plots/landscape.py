"""The loss landscape of a model (dlcore.learning.landscape): the loss along the line from the first weights
to the current ones, and a 2-D slice around the current weights as contours and as a surface.

Losses near a minimum and far from it differ by orders of magnitude, so the slice's colours (and the
surface's height) follow the logarithm of the loss, while labels and hover texts give the loss itself.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dlcore.plots.style import base_layout

LANDSCAPE_HEIGHT = 340  # three side by side under the tab's controls fit a 1280×720 projector
NOW_COLOUR = "#d62728"
START_COLOUR = "#7f7f7f"
PATH_COLOUR = "#ffffff"
COLOURS = "Viridis"


def loss_line_figure(line) -> go.Figure:
    """The loss against alpha along start + alpha × (now - start), with the start and now marked."""
    fig = go.Figure(
        go.Scatter(
            x=line.alphas,
            y=line.losses,
            mode="lines",
            name="loss",
            hovertemplate="α = %{x:.2f}<br>loss %{y:.4g}<extra></extra>",
        )
    )
    ends = ((0, line.start_loss, "start", START_COLOUR), (1, line.end_loss, "now", NOW_COLOUR))
    for alpha, loss, text, colour in ends:
        fig.add_trace(
            go.Scatter(
                x=[alpha],
                y=[loss],
                mode="markers+text",
                marker={"size": 11, "color": colour},
                text=[f"{text}: {loss:.3g}"],
                textposition="top center",
                showlegend=False,
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        **base_layout(
            "From the first weights to now",
            "α  (0: the first weights, 1: the weights now)",
            "training loss",
            height=LANDSCAPE_HEIGHT,
            showlegend=False,
        )
    )
    return fig


def loss_contour(slice_) -> go.Figure:
    """The slice as filled contours of log10(loss), the current weights marked at the centre and, for the
    training path's plane, the path from its first weights to now."""
    fig = go.Figure(
        go.Contour(
            x=slice_.alphas,
            y=slice_.betas,
            z=np.log10(np.maximum(slice_.losses, 1e-12)),
            customdata=slice_.losses,
            colorscale=COLOURS,
            ncontours=20,
            colorbar=_log_colourbar(slice_.losses),
            hovertemplate="(%{x:.2f}, %{y:.2f})<br>loss %{customdata:.4g}<extra></extra>",
        )
    )
    if slice_.path is not None:
        fig.add_trace(
            go.Scatter(
                x=slice_.path[:, 0],
                y=slice_.path[:, 1],
                mode="lines+markers",
                line={"color": PATH_COLOUR, "width": 2},
                marker={"size": 4, "color": PATH_COLOUR},
                customdata=list(slice_.path_steps),
                hovertemplate="step %{customdata}<extra>training path</extra>",
                name="training path",
            )
        )
        fig.add_trace(_point(slice_.path[0], "start", START_COLOUR))
    fig.add_trace(_point((0.0, 0.0), f"now: {slice_.centre_loss:.3g}", NOW_COLOUR))
    x_title, y_title = _axis_titles(slice_)
    fig.update_layout(
        **base_layout("Around the weights now: contours", x_title, y_title, height=LANDSCAPE_HEIGHT),
        showlegend=False,
    )
    return fig


def loss_surface(slice_) -> go.Figure:
    """The slice as a surface whose height is the loss (log scale), the current weights marked."""
    # Slanted 3-D axes have room for short names only; the contours beside it name the directions in full.
    x_title, y_title = "direction 1", "direction 2"
    fig = go.Figure(
        [
            go.Surface(
                x=slice_.alphas,
                y=slice_.betas,
                z=slice_.losses,
                surfacecolor=np.log10(np.maximum(slice_.losses, 1e-12)),
                colorscale=COLOURS,
                showscale=False,
                hovertemplate="(%{x:.2f}, %{y:.2f})<br>loss %{z:.4g}<extra></extra>",
            ),
            go.Scatter3d(
                x=[0.0],
                y=[0.0],
                z=[slice_.centre_loss],
                mode="markers+text",
                marker={"size": 5, "color": NOW_COLOUR},
                text=["now"],
                hoverinfo="skip",
            ),
        ]
    )
    fig.update_layout(
        **base_layout("Around the weights now: surface", "", "", height=LANDSCAPE_HEIGHT),
        showlegend=False,
        scene={
            "xaxis": {"title": {"text": x_title}},
            "yaxis": {"title": {"text": y_title}},
            "zaxis": {"title": {"text": "loss"}, "type": "log", "dtick": 1},  # a label per power of ten
            "camera": {"eye": {"x": 1.75, "y": -1.75, "z": 0.95}},
            "aspectmode": "cube",  # the same frame whatever the directions' ranges (the path's differ)
        },
    )
    fig.update_layout(margin={"l": 0, "r": 0, "t": 40, "b": 0})
    return fig


def _point(xy, text: str, colour: str) -> go.Scatter:
    return go.Scatter(
        x=[xy[0]],
        y=[xy[1]],
        mode="markers+text",
        marker={"size": 12, "color": colour, "line": {"color": "white", "width": 1.5}},
        text=[text],
        textposition="top center",
        textfont={"color": "white", "size": 13},
        hoverinfo="skip",
    )


def _axis_titles(slice_) -> tuple[str, str]:
    if slice_.plane == "path":
        shares = enumerate(slice_.explained, 1)
        return tuple(f"path direction {k} ({share:.0%} of its spread)" for k, share in shares)
    return "random direction 1 (filter-normalised)", "random direction 2 (filter-normalised)"


def _log_colourbar(losses: np.ndarray) -> dict:
    """A colour bar over log10(loss) labelled with losses (1, 2, 5 per decade)."""
    low, high = np.log10(max(float(losses.min()), 1e-12)), np.log10(max(float(losses.max()), 1e-12))
    ticks = [
        m * 10.0**e
        for e in range(int(np.floor(low)), int(np.ceil(high)) + 1)
        for m in (1, 2, 5)
        if low <= np.log10(m * 10.0**e) <= high
    ]
    return {
        "title": {"text": "loss"},
        "tickvals": [np.log10(t) for t in ticks],
        "ticktext": [f"{t:g}" for t in ticks],
    }
