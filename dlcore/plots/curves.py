"""Live training curves: loss, accuracy (or R²), accuracy under attack, gradient norms per layer."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import (
    CURVE_HEIGHT,
    MAX_EPOCH_POINTS,
    MAX_MARKERS,
    MAX_POINTS,
    TRAIN_COLOUR,
    VAL_COLOUR,
    downsample,
    fast_figure,
    has_values,
    live_layout,
)


def _x_of_epochs(epoch_df: pd.DataFrame) -> pd.Series:
    """Where epoch-level points sit on the step axis: at the step the epoch ended, if known."""
    return epoch_df["step"] if "step" in epoch_df.columns else epoch_df["epoch"]


def _curve(
    metrics_df: pd.DataFrame | None,
    epoch_df: pd.DataFrame | None,
    metric: str,
    title: str,
    y_title: str,
) -> go.Figure:
    """Per-step training values as a thin line, per-epoch train/validation values as bold lines."""
    traces = []
    if has_values(metrics_df, f"train_{metric}"):
        steps = downsample(metrics_df.dropna(subset=[f"train_{metric}"]))
        traces.append(
            {
                "type": "scatter",
                "x": steps["step"].to_numpy(),
                "y": steps[f"train_{metric}"].to_numpy(),
                "mode": "lines",
                "name": "train (per step)",
                "line": {"color": TRAIN_COLOUR, "width": 1},
                "opacity": 0.45,
            }
        )
    for split, colour in (("train", TRAIN_COLOUR), ("val", VAL_COLOUR)):
        column = f"{split}_{metric}"
        if has_values(epoch_df, column):
            name = f"{'validation' if split == 'val' else 'train'} (per epoch)"
            traces.append(_epoch_trace(epoch_df, column, name, colour))
    return fast_figure(traces, live_layout(title, "step", y_title, height=CURVE_HEIGHT))


def _epoch_trace(epoch_df: pd.DataFrame, column: str, name: str, colour: str) -> dict:
    """One per-epoch value as a bold line over the step axis."""
    epochs = downsample(epoch_df.dropna(subset=[column]), MAX_EPOCH_POINTS)
    return {
        "type": "scatter",
        "x": _x_of_epochs(epochs).to_numpy(),
        "y": epochs[column].to_numpy(),
        "mode": "lines+markers" if len(epochs) <= MAX_MARKERS else "lines",
        "name": name,
        "line": {"color": colour, "width": 2.5},
        "customdata": epochs["epoch"].to_numpy(),
        "hovertemplate": "epoch %{customdata}: %{y:.4g}<extra></extra>",
    }


def loss_curve(metrics_df: pd.DataFrame | None, epoch_df: pd.DataFrame | None = None) -> go.Figure:
    """Training loss per step, and train/validation loss per epoch. Empty data -> an empty chart."""
    return _curve(metrics_df, epoch_df, "loss", "Loss", "loss")


def accuracy_curve(metrics_df: pd.DataFrame | None, epoch_df: pd.DataFrame | None = None) -> go.Figure:
    """Train/validation accuracy (classification) or R² (regression) per scored epoch.

    Accuracy is measured on whole splits when an epoch is scored, so there is no per-step line; the
    step-level frame is accepted for symmetry with loss_curve and ignored."""
    metric = (
        "r2" if not has_values(epoch_df, "val_accuracy") and has_values(epoch_df, "val_r2") else "accuracy"
    )
    fig = _curve(None, epoch_df, metric, "Accuracy" if metric == "accuracy" else "R²", metric)
    if metric == "accuracy":
        fig.layout.yaxis.range = [0, 1.02]
        fig.layout.yaxis.tickformat = ".0%"
    return fig


def robust_accuracy_curve(epoch_df: pd.DataFrame | None, epsilon: float) -> go.Figure:
    """Validation accuracy on clean examples and under the training attack, per scored epoch: adversarial
    training should lift the second and keep the first."""
    lines = (
        ("val_accuracy", "clean", TRAIN_COLOUR),
        ("val_robust_accuracy", f"attacked, ε = {epsilon:g}", VAL_COLOUR),
    )
    traces = [
        _epoch_trace(epoch_df, column, name, colour)
        for column, name, colour in lines
        if has_values(epoch_df, column)
    ]
    layout = live_layout("Validation accuracy", "step", "accuracy", height=CURVE_HEIGHT)
    layout["yaxis"].update(range=[0, 1.02], tickformat=".0%")
    return fast_figure(traces, layout)


def grad_norm_chart(grad_df: pd.DataFrame | None) -> go.Figure:
    """Gradient norm per layer over training, log scale: vanishing or exploding gradients stand out."""
    traces = []
    if grad_df is not None and len(grad_df) and {"step", "layer", "grad_norm"} <= set(grad_df.columns):
        layers = list(dict.fromkeys(grad_df["layer"]))  # in model order
        per_layer = max(2, MAX_POINTS // max(1, len(layers)))
        for layer in layers:
            rows = downsample(grad_df[grad_df["layer"] == layer], per_layer)
            traces.append(
                {
                    "type": "scatter",
                    "x": rows["step"].to_numpy(),
                    "y": rows["grad_norm"].to_numpy(),
                    "mode": "lines+markers" if len(rows) <= MAX_MARKERS else "lines",  # 1 point shows
                    "name": str(layer),
                }
            )
    layout = live_layout(
        "Gradient norm per layer",
        "step",
        "‖gradient‖",
        legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"},
    )
    layout["yaxis"].update(type="log", exponentformat="power", dtick=1)  # label powers of ten only ...
    norms = [y for trace in traces for y in trace["y"] if y > 0]
    if norms and max(norms) < 100 * min(norms):  # ... unless that would leave one label or none
        ticks = _one_two_five(min(norms), max(norms))
        layout["yaxis"].update(dtick=None, tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])
    return fast_figure(traces, layout)


def _one_two_five(low: float, high: float) -> list[float]:
    """1, 2, 5, 10, 20, ... × a power of ten, from the decade below `low` to the decade above `high`."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [m * 10.0**e for e in range(first, last + 1) for m in (1, 2, 5)]
