"""Figures of the Sequences page: a recurrent layer's hidden state and gates over time, the gradient that
reaches each time step, the long-memory race, and the embedding projector."""

from __future__ import annotations

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from dlcore.plots.style import downsample, fast_figure, live_layout

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
    """Each gate's values (H, L) in [0, 1], one above the other: 0 (white) closed, 1 (dark) open."""
    names = [name for name in gates if name != "candidate"]  # the candidate is a value, not a gate
    rows = max(1, len(names))
    fig = make_subplots(
        rows=rows, cols=1, subplot_titles=[GATE_HELP[n] for n in names], vertical_spacing=0.12
    )
    for row, name in enumerate(names, start=1):
        values = gates[name]
        fig.add_trace(
            go.Heatmap(
                z=values.tolist(),
                x=list(range(1, values.shape[1] + 1)),
                colorscale="Greens",
                zmin=0,
                zmax=1,
                showscale=row == 1,
                colorbar={"thickness": 10},
                hovertemplate=f"{name}: step %{{x}}, unit %{{y}}: %{{z:.2f}}<extra></extra>",
            ),
            row=row,
            col=1,
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


def race_losses(losses, racers: dict, height: int = 330) -> go.Figure:
    """Each racer's training loss at every step (at most MAX_POINTS of them). `losses`: a DataFrame indexed
    by step, a column per racer key; `racers`: key -> its Racer (label, colour)."""
    losses = downsample(losses)
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": losses.index.tolist(),
            "y": losses[key].tolist(),
            "name": racer.label,
            "line": {"color": racer.colour, "width": 2},
        }
        for key, racer in racers.items()
        if key in losses
    ]
    layout = _race_layout("Training loss while they race", "step", "loss (log scale)", height)
    layout["yaxis"] = {**layout["yaxis"], "type": "log"}  # one racer's early spike must not flatten the rest
    return fast_figure(traces, layout)


def accuracy_against_delay(
    results: dict[int, dict[str, float]], racers: dict, height: int = 330, score: str = "accuracy"
) -> go.Figure:
    """Each racer's final validation accuracy (or another `score`, such as "R²") against the delay it raced
    at: `results` delay -> {racer: score}, one point per race run."""
    delays = sorted(results)
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": [d for d in delays if key in results[d]],
            "y": [results[d][key] for d in delays if key in results[d]],
            "name": racer.label,
            "line": {"color": racer.colour, "width": 3},
            "marker": {"size": 9},
        }
        for key, racer in racers.items()
    ]
    layout = _race_layout(f"Validation {score} against delay", "delay (steps back)", score, height)
    # accuracy in %; R² from a little below 0 (no better than always answering the average) up to 1
    scale = {"range": [0, 1.02], "tickformat": ".0%"} if score == "accuracy" else {"range": [-0.2, 1.02]}
    layout["yaxis"] = {**layout["yaxis"], **scale}
    return fast_figure(traces, layout)


def _race_layout(title: str, x_title: str, y_title: str, height: int) -> dict:
    # The legend goes under the axis: above it, four racers' names would cover the title.
    legend = {"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0.5, "xanchor": "center"}
    layout = live_layout(title, x_title, y_title, height=height, legend=legend)
    layout["margin"] = {**layout["margin"], "b": 90}
    return layout


def projection_figure(projection, height: int = 380) -> go.Figure:
    """A Projection's points, a colour per class or token (in the legend), what each is on hover."""
    fig = go.Figure()
    for label in dict.fromkeys(projection.labels):  # classes in order of first appearance
        rows = [i for i, name in enumerate(projection.labels) if name == label]
        fig.add_trace(
            go.Scatter(
                x=projection.xy[rows, 0],
                y=projection.xy[rows, 1],
                mode="markers",
                name=label,
                text=[projection.hovers[i] for i in rows],
                hovertemplate="%{text}<extra></extra>",
                marker={"size": 8, "opacity": 0.8},
            )
        )
    fig.update_layout(**live_layout(f"Projection of {projection.what}", "", "", height=height))
    return fig
