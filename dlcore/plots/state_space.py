"""Figures of the state-space tab: how far back each channel remembers (its half-life, beside where it
started and the gap to remember) and what one input leaves in each channel's output over the next steps."""

from __future__ import annotations

import plotly.graph_objects as go
import torch

from dlcore.plots.style import live_layout


def half_life_bars(now: torch.Tensor, start: torch.Tensor, gap: int, height: int = 320) -> go.Figure:
    """Each channel's half-life in steps (bars, log scale), where it started (open diamonds) and the gap
    the task asks it to remember across (a dashed line)."""
    channels = list(range(1, len(now) + 1))
    fig = go.Figure(
        [
            go.Bar(
                x=channels,
                y=now.tolist(),
                name="now",
                marker_color="#1f77b4",
                hovertemplate="channel %{x}: remembers %{y:.3g} steps<extra></extra>",
            ),
            go.Scatter(
                x=channels,
                y=start.tolist(),
                name="at the start",
                mode="markers",
                marker={"symbol": "diamond-open", "size": 9, "color": "#31333F"},
                hovertemplate="channel %{x} started at %{y:.3g} steps<extra></extra>",
            ),
            go.Scatter(  # a trace, not a shape: shapes on a log axis take the log of their position
                x=[0.5, len(now) + 0.5],
                y=[gap, gap],
                name=f"the gap: {gap} steps",
                mode="lines",
                line={"color": "#2ca02c", "width": 2, "dash": "dash"},
                hoverinfo="skip",
            ),
        ]
    )
    layout = live_layout("Half-life of each channel's memory", "", "steps", height=height)
    layout["yaxis"] = {**layout["yaxis"], "type": "log", "dtick": "D2"}  # 1, 2, 5, 10, 20, 50, ...
    layout["xaxis"] = {**layout["xaxis"], "dtick": 1, "title": {"text": "channel", "standoff": 2}}
    # under the chart: beside the title it would cover it at half a projector's width
    layout["legend"] = {"orientation": "h", "x": 0, "y": -0.3, "yanchor": "top"}
    layout["margin"] = {**layout["margin"], "b": 70}
    fig.update_layout(**layout)
    return fig


def impulse_response_heatmap(response: torch.Tensor, height: int = 320) -> go.Figure:
    """(H, L) what an input of 1 at step 0 adds to each channel's output k steps later, scaled per
    channel to [-1, 1] so a quiet channel's shape shows as well as a loud one's."""
    scale = response.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
    fig = go.Figure(
        go.Heatmap(
            z=(response / scale).tolist(),
            x=list(range(response.shape[1])),
            y=list(range(1, response.shape[0] + 1)),
            customdata=response.tolist(),
            colorscale="PuOr_r",
            zmin=-1,
            zmax=1,
            colorbar={"thickness": 10},
            hovertemplate="channel %{y}, %{x} steps later: %{customdata:.3g}<extra></extra>",
        )
    )
    title = "Impulse response: what one input leaves, k steps later"
    fig.update_layout(**live_layout(title, "steps after the input", "channel", height=height))
    return fig
