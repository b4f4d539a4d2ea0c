"""A hyper-parameter search's figures, from its trials table (`Search.trials()`): each trial's score with
the best so far, the trials as lines across the settings (parallel coordinates), and how much each
setting mattered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots.style import VAL_COLOUR, live_layout

STATE_COLOURS = {"finished": "#1f77b4", "pruned": "#9aa0a6", "running": "#2ca02c", "stopped": "#9aa0a6"}
SEARCH_HEIGHT = 300


def best_so_far(trials: pd.DataFrame, maximize: bool, score_label: str) -> go.Figure:
    """Each trial's validation score (a dot; pruned ones grey, at the score they were stopped with) and
    the best finished score so far (a step line)."""
    fig = go.Figure(layout=live_layout("Best so far", "trial", score_label, height=SEARCH_HEIGHT))
    scored = trials.dropna(subset=["score"])
    for state, rows in scored.groupby("state", sort=False):
        fig.add_trace(
            go.Scatter(
                x=rows["trial"],
                y=rows["score"],
                mode="markers",
                name=str(state),
                marker={"size": 9, "color": STATE_COLOURS.get(str(state), "#d62728")},
            )
        )
    finished = scored[scored["state"] == "finished"]
    if len(finished):
        best = (finished["score"].cummax() if maximize else finished["score"].cummin()).tolist()
        last = int(trials["trial"].max())  # the line runs on to the latest trial: still the best by then
        fig.add_trace(
            go.Scatter(
                x=[*finished["trial"], last],
                y=[*best, best[-1]],
                mode="lines",
                line={"shape": "hv", "color": VAL_COLOUR, "width": 3},
                name="best so far",
            )
        )
    fig.update_xaxes(rangemode="tozero", dtick=1 if len(trials) <= 20 else None)
    return fig


def parallel_coordinates(
    trials: pd.DataFrame, settings: dict[str, str], log_settings: set[str], score_label: str
) -> go.Figure:
    """One line per scored trial across an axis per setting (`settings`: column -> axis label) and the
    score, coloured by the score. Settings in `log_settings` are drawn on log10 axes (learning rates
    spread over powers of ten); a setting with names (the optimizer) gets an axis of its names."""
    scored = trials.dropna(subset=["score"])
    dimensions = [_axis(scored[name], label, name in log_settings) for name, label in settings.items()]
    dimensions.append({"label": score_label, "values": scored["score"].tolist()})
    fig = go.Figure(
        go.Parcoords(
            line={"color": scored["score"].tolist(), "colorscale": "Viridis", "showscale": True},
            dimensions=dimensions,
        ),
        layout=live_layout("Trials across the settings", "", "", height=SEARCH_HEIGHT),
    )
    fig.update_layout(margin={"l": 60, "r": 60, "t": 90, "b": 20})  # room for the axis labels on top
    return fig


def _axis(values: pd.Series, label: str, log: bool) -> dict:
    if not pd.api.types.is_numeric_dtype(values):  # names: one tick per name
        names = sorted(values.unique())
        return {
            "label": label,
            "values": [names.index(v) for v in values],
            "tickvals": list(range(len(names))),
            "ticktext": names,
        }
    if log:
        numbers = np.log10(values.astype(float))
        ticks = np.arange(np.floor(numbers.min()), np.ceil(numbers.max()) + 1) if len(numbers) else []
        return {
            "label": f"{label} (log)",
            "values": numbers.tolist(),
            "tickvals": list(ticks),
            "ticktext": [f"{10**t:g}" for t in ticks],
        }
    return {"label": label, "values": values.astype(float).tolist()}


def importance_bars(importances: dict[str, float]) -> go.Figure:
    """How much each setting mattered (Optuna's importances, summing to 1, keyed by the setting's
    label), largest on top."""
    ordered = sorted(importances.items(), key=lambda item: item[1])
    fig = go.Figure(
        go.Bar(
            x=[value for _, value in ordered],
            y=[name for name, _ in ordered],
            orientation="h",
            marker={"color": VAL_COLOUR},
            text=[f"{value:.0%}" for _, value in ordered],
            textposition="auto",
        ),
        layout=live_layout("What mattered", "share of the score's variation", "", height=SEARCH_HEIGHT),
    )
    fig.update_xaxes(range=[0, 1], tickformat=".0%")
    fig.update_yaxes(automargin=True)  # the settings' names are never cut
    return fig
