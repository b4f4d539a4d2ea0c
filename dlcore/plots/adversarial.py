"""Adversarial examples: the original, the perturbation and the result; accuracy against ε."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.plots.images import (
    image_axes,
    image_trace,
    style_figure,
)
from dlcore.plots.style import (
    as_numpy,
)


def adversarial_figure(
    original, perturbation, adversarial, captions: Sequence[str], amplify: float
) -> go.Figure:
    """Original | perturbation (amplified, grey = 0) | adversarial, each (C, H, W) in raw units."""
    delta = as_numpy(perturbation)
    shown_delta = np.clip(0.5 + delta * amplify / 2, 0, 1)
    titles = [captions[0], f"{captions[1]} (×{amplify:g})", captions[2]]
    fig = make_subplots(rows=1, cols=3, subplot_titles=titles, horizontal_spacing=0.03)
    for col, img in enumerate((original, shown_delta, adversarial), start=1):
        fig.add_trace(image_trace(img), row=1, col=col)
    image_axes(fig)
    for k in (2, 3):
        fig.update_yaxes(scaleanchor=f"x{k}", row=1, col=k)
    fig.update_annotations(font_size=13, yshift=4)
    style_figure(fig, "", 320)
    fig.update_layout(margin={"t": 40})  # room for the three titles
    return fig


def robustness_curve(curves: pd.DataFrame | Sequence[Mapping]) -> go.Figure:
    """Test accuracy against epsilon, one line per `label` (columns or keys epsilon, accuracy, label)."""
    curves = pd.DataFrame(curves)
    fig = go.Figure()
    for label in dict.fromkeys(curves["label"]):
        rows = curves[curves["label"] == label]
        fig.add_trace(
            go.Scatter(x=rows["epsilon"], y=rows["accuracy"], mode="lines+markers", name=str(label))
        )
    style_figure(fig, "Test accuracy under attack", 320, legend={"orientation": "h", "y": -0.25})
    fig.update_layout(margin={"l": 50, "r": 10, "t": 40, "b": 40})
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%", title="accuracy")
    fig.update_xaxes(title="ε (share of the pixel range)")
    return fig
