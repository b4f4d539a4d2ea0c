"""Deployment: the variants of a model side by side, and accuracy against sparsity."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.style import TRAIN_COLOUR, VAL_COLOUR, base_layout

PANEL_TITLES = ("size (kB)", "latency per input (ms)", "test accuracy")
HOVER = "%{x:.0%} pruned: accuracy %{y:.1%}, %{customdata:.1f} kB compressed<extra></extra>"


def deploy_comparison(report: pd.DataFrame) -> go.Figure:
    """Three bar panels by variant (a deploy_report table): stored size, latency per input on one CPU
    thread and on all threads, and test accuracy."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=PANEL_TITLES, horizontal_spacing=0.08)
    variants = report["variant"].tolist()
    fig.add_bar(
        x=variants,
        y=report["size_bytes"] / 1000,
        name="size",
        marker_color="#7f7f7f",
        showlegend=False,
        col=1,
        row=1,
    )
    for column, name, colour in (
        ("latency_ms_1_thread", "1 thread", TRAIN_COLOUR),
        ("latency_ms_all_threads", "all threads", VAL_COLOUR),
    ):
        fig.add_bar(x=variants, y=report[column], name=name, marker_color=colour, col=2, row=1)
    accuracy = report["test_accuracy"]
    fig.add_bar(
        x=variants, y=accuracy, name="accuracy", marker_color="#2ca02c", showlegend=False, col=3, row=1
    )
    fig.update_layout(
        base_layout("Size, speed and accuracy by variant", "", "", height=340, barmode="group"),
        # room above the panels' own titles for the figure's title and the latency legend
        margin={"l": 50, "r": 10, "t": 90, "b": 70},
        legend={"orientation": "h", "y": 1.16, "yanchor": "bottom", "x": 0.5, "xanchor": "center"},
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=3)
    return fig


def accuracy_against_sparsity(curve: pd.DataFrame) -> go.Figure:
    """Test accuracy against the share of weights pruned (a pruning_curve table), one line without and
    one with the fine-tune after pruning; hovering a point shows the compressed size."""
    fig = go.Figure()
    for tuned, name, colour in ((False, "pruned", TRAIN_COLOUR), (True, "pruned + fine-tuned", VAL_COLOUR)):
        rows = curve[curve["fine_tuned"] == tuned].sort_values("sparsity")
        if len(rows):
            fig.add_scatter(
                x=rows["sparsity"],
                y=rows["test_accuracy"],
                customdata=rows["compressed_bytes"] / 1000,
                mode="lines+markers",
                name=name,
                line_color=colour,
                hovertemplate=HOVER,
            )
    fig.update_layout(base_layout("Accuracy against sparsity", "share of weights pruned", "test accuracy"))
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(tickformat=".0%", range=[0, 1.02])
    return fig
