"""Figures of the Sequences page: a recurrent layer's hidden state and gates over time, the gradient that
reaches each time step, the long-memory race, and the embedding projector."""

from __future__ import annotations

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from dlcore.plots.style import live_layout

GATE_HELP = {
    "input": "input gate: how much new is written",
    "forget": "forget gate: how much is kept",
    "candidate": "candidate: what would be written",
    "output": "output gate: how much is shown",
    "reset": "reset gate: how much of the past the candidate sees",
    "update": "update gate: how much is kept",
}


def hidden_heatmap(hidden: torch.Tensor, height: int = 260) -> go.Figure:
    """The hidden state (H, L) as units × time steps, from -1 (blue) to +1 (red)."""
    fig = go.Figure(
        go.Heatmap(
            z=hidden.tolist(),
            x=list(range(1, hidden.shape[1] + 1)),
            colorscale="RdBu_r",
            zmin=-1,
            zmax=1,
            colorbar={"thickness": 10},
            hovertemplate="step %{x}, unit %{y}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_layout(**live_layout("Hidden state over time", "time step", "unit", height=height))
    return fig


def gates_heatmaps(gates: dict[str, torch.Tensor], height: int = 260) -> go.Figure:
    """Each gate's values (H, L) in [0, 1] side by side: 0 (white) closed, 1 (dark) open."""
    names = [name for name in gates if name != "candidate"]  # the candidate is a value, not a gate
    fig = make_subplots(rows=1, cols=max(1, len(names)), subplot_titles=[GATE_HELP[n] for n in names])
    for column, name in enumerate(names, start=1):
        values = gates[name]
        fig.add_trace(
            go.Heatmap(
                z=values.tolist(),
                x=list(range(1, values.shape[1] + 1)),
                colorscale="Greens",
                zmin=0,
                zmax=1,
                showscale=column == len(names),
                colorbar={"thickness": 10},
                hovertemplate=f"{name}: step %{{x}}, unit %{{y}}: %{{z:.2f}}<extra></extra>",
            ),
            row=1,
            col=column,
        )
    fig.update_annotations(font_size=12)
    title = "Gates over time" if names else "A plain RNN has no gates"
    fig.update_layout(**live_layout(title, "", "", height=height))
    return fig


def step_gradients(grad: torch.Tensor, height: int = 230) -> go.Figure:
    """|d loss / d x_t| for each time step t, on a log scale: how much each step can still teach."""
    values = grad.clamp_min(1e-12).tolist()
    fig = go.Figure(
        go.Bar(
            x=list(range(1, len(values) + 1)),
            y=values,
            marker_color="#1f77b4",
            hovertemplate="step %{x}: %{y:.2e}<extra></extra>",
        )
    )
    title = "Gradient reaching each step's input"
    layout = live_layout(title, "time step", "|∂ loss / ∂ input|", height=height)
    layout["yaxis"] = {**layout["yaxis"], "type": "log", "exponentformat": "power"}
    fig.update_layout(**layout)
    return fig
