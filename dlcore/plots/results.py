"""A trained model on the test set: the confusion matrix, predictions against targets, reconstructions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from dlcore.plots.style import (
    MAX_POINTS,
    TRAIN_COLOUR,
    VAL_COLOUR,
    base_layout,
    evenly,
    fast_figure,
)


def confusion_matrix(matrix: Sequence[Sequence[int]], class_names: Sequence[str]) -> go.Figure:
    """Heatmap of true class (rows) against predicted class (columns), with the counts written in."""
    values = np.asarray(matrix, dtype=float)
    names = [str(c) for c in class_names] or [str(i) for i in range(len(values))]
    totals = values.sum(axis=1, keepdims=True)
    share = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    fig = go.Figure(
        go.Heatmap(
            z=share,
            x=names,
            y=names,
            text=values.astype(int),
            texttemplate="%{text}" if len(names) <= 20 else None,
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "share of<br>true class", "tickformat": ".0%"},
            hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
        )
    )
    size = min(700, 220 + 32 * len(names))
    fig.update_layout(
        base_layout("Confusion matrix (test set)", "predicted class", "true class", height=size)
    )
    fig.update_xaxes(type="category", side="bottom")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig


def predictions_vs_targets(targets, predictions, max_points: int = MAX_POINTS) -> go.Figure:
    """Regression on the test set: each prediction against its target (every output value of every
    example), with the diagonal where they would be equal: points above it are over-estimates."""
    target = np.asarray(targets, dtype=float).reshape(-1)
    predicted = np.asarray(predictions, dtype=float).reshape(-1)
    keep = evenly(len(target), max_points)
    target, predicted = target[keep], predicted[keep]
    both = np.concatenate([target, predicted])
    low, high = (float(both.min()), float(both.max())) if len(both) else (0.0, 1.0)
    fig = go.Figure(
        [
            go.Scatter(
                x=[low, high],
                y=[low, high],
                mode="lines",
                name="prediction = target",
                line={"color": "#808495", "dash": "dash", "width": 1},
                hoverinfo="skip",
            ),
            go.Scatter(
                x=target,
                y=predicted,
                mode="markers",
                name="test examples",
                marker={"color": TRAIN_COLOUR, "size": 6, "opacity": 0.7},
                hovertemplate="target %{x:.3g}, predicted %{y:.3g}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        base_layout("Predictions against targets (test set)", "target", "prediction", height=380)
    )
    fig.update_xaxes(constrain="domain")  # equal scales: the plot area narrows, the ranges stay the data's
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    return fig


def reconstructions(inputs, outputs, max_points: int = MAX_POINTS, height: int = 420) -> go.Figure:
    """An autoencoder on the test set: 2-D points and their reconstructions, each joined to its input by
    a line (short lines: well rebuilt). Inputs of any other shape: reconstructed values against inputs."""
    inputs, outputs = np.asarray(inputs, dtype=float), np.asarray(outputs, dtype=float)
    if inputs.ndim != 2 or inputs.shape[1] != 2 or outputs.shape != inputs.shape:
        fig = predictions_vs_targets(inputs, outputs, max_points)
        fig.update_layout(title={"text": "Reconstructed values against inputs (test set)"})
        fig.update_xaxes(title={"text": "input value"})
        fig.update_yaxes(title={"text": "reconstructed value"})
        return fig
    keep = evenly(len(inputs), max_points // 2)
    inputs, outputs = inputs[keep], outputs[keep]
    links = np.full((len(inputs) * 3, 2), np.nan)  # input, reconstruction, gap: one trace for all lines
    links[0::3], links[1::3] = inputs, outputs
    traces = [  # plain dicts, no per-property validation: the Generative page redraws this live
        {
            "type": "scatter",
            "x": links[:, 0],
            "y": links[:, 1],
            "mode": "lines",
            "name": "error",
            "line": {"color": "#bab0ac", "width": 1},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": inputs[:, 0],
            "y": inputs[:, 1],
            "mode": "markers",
            "name": "input",
            "marker": {"color": TRAIN_COLOUR, "size": 6},
        },
        {
            "type": "scatter",
            "x": outputs[:, 0],
            "y": outputs[:, 1],
            "mode": "markers",
            "name": "reconstruction",
            "marker": {"color": VAL_COLOUR, "size": 6, "symbol": "x"},
        },
    ]
    layout = base_layout("Reconstructions (test set)", "x1", "x2", height=height)
    # equal scales: the plot area narrows, the ranges stay the data's
    layout["xaxis"] = {**layout["xaxis"], "constrain": "domain"}
    layout["yaxis"] = {**layout["yaxis"], "scaleanchor": "x", "scaleratio": 1, "constrain": "domain"}
    fig = fast_figure(traces, layout)
    return fig
