"""Figures of generative training, redrawn live: each role's losses on one chart, and what the model makes
now (generated points over the real data, as in GAN Lab, a grid of generated images, a language model's
answers).

Pure functions, data in -> figure out, with the live charts' look and limits (go.Scatter, at most
MAX_POINTS points per trace, a constant `uirevision`), so they redraw in place several times a second.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.data.tokens import decode
from dlcore.plots.style import (
    CURVE_HEIGHT,
    MAX_POINTS,
    as_numpy,
    downsample,
    evenly,
    fast_figure,
    has_values,
    live_layout,
)

REAL_COLOUR = "#bab0ac"  # the data: quiet grey, so the generated points stand out over it
SAMPLE_COLOUR = "#1f77b4"
SMOOTHING = 20  # steps in the running mean drawn over each noisy per-step loss
SAMPLE_HEIGHT = CURVE_HEIGHT  # the sample view sits beside the loss chart, at the same height
IMAGE_GAP = 1  # blank pixels between generated images
TEXT_COLOUR = "#31333F"  # answers are read, not glanced at: the page's text colour, not the axes' grey


def logged_losses(metrics_df: pd.DataFrame | None, epoch_df: pd.DataFrame | None = None) -> list[str]:
    """The values a recipe logs at every step besides its headline loss ("generator_loss",
    "discriminator_loss"; "reconstruction", "kl"), by their metrics columns' names without "train_".

    The metrics frame also carries each scored epoch's scores (train_accuracy, ...) from the step that
    epoch ended: the rows before the first scored epoch hold only what is logged per step."""
    if metrics_df is None or not len(metrics_df):
        return []
    rows = metrics_df
    if has_values(epoch_df, "step"):
        rows = metrics_df[metrics_df["step"] < epoch_df["step"].min()]
    columns = [c for c in rows.columns if c.startswith("train_") and c != "train_loss"]
    return [c.removeprefix("train_") for c in columns if rows[c].notna().any()]


def _label(name: str) -> str:
    return name.replace("_", " ")


def role_losses(
    metrics_df: pd.DataFrame | None, names: list[str], title: str = "Losses by role"
) -> go.Figure:
    """Each logged value in `names` per step (thin) with its running mean (bold), all on one chart, so a
    generator's and a discriminator's losses can be watched pushing against each other."""
    traces = []
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
    for i, name in enumerate(names):
        column = f"train_{name}"
        if not has_values(metrics_df, column):
            continue
        rows = metrics_df.dropna(subset=[column])
        smooth = rows[column].rolling(SMOOTHING, min_periods=1).mean()
        shown = downsample(rows.assign(smooth=smooth))
        colour = colours[i % len(colours)]
        x = shown["step"].to_numpy()
        traces += [
            {
                "type": "scatter",
                "x": x,
                "y": shown[column].to_numpy(),
                "mode": "lines",
                "line": {"color": colour, "width": 1},
                "opacity": 0.3,
                "showlegend": False,
                "hoverinfo": "skip",
            },
            {
                "type": "scatter",
                "x": x,
                "y": shown["smooth"].to_numpy(),
                "mode": "lines",
                "name": _label(name),
                "line": {"color": colour, "width": 2.5},
                "hovertemplate": f"{_label(name)} %{{y:.4g}} (mean of {SMOOTHING} steps)<extra></extra>",
            },
        ]
    return fast_figure(traces, live_layout(title, "step", "loss", height=CURVE_HEIGHT))


def _points(xy: np.ndarray, max_points: int) -> np.ndarray:
    return xy[evenly(len(xy), max_points)]


def _range(values: np.ndarray, margin: float = 0.15) -> list[float]:
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    pad = (high - low) * margin or 1.0
    return [low - pad, high + pad]


def sample_points(real, generated, title: str = "Generated points over the data") -> go.Figure:
    """2-D data: the real points in grey and the generated ones in colour (GAN Lab's picture). The axes
    hold the real data's range, so the picture stays put while the samples move."""
    real = _points(as_numpy(real), MAX_POINTS)
    generated = _points(as_numpy(generated), MAX_POINTS)
    traces = [
        {
            "type": "scatter",
            "x": real[:, 0],
            "y": real[:, 1],
            "mode": "markers",
            "name": "real data",
            "marker": {"color": REAL_COLOUR, "size": 5},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": generated[:, 0],
            "y": generated[:, 1],
            "mode": "markers",
            "name": "generated",
            "marker": {"color": SAMPLE_COLOUR, "size": 5, "opacity": 0.8},
            "hovertemplate": "(%{x:.2f}, %{y:.2f})<extra>generated</extra>",
        },
    ]
    layout = live_layout(title, "x1", "x2", height=SAMPLE_HEIGHT)
    layout["xaxis"] = {**layout["xaxis"], "range": _range(real[:, 0]), "constrain": "domain"}
    layout["yaxis"] = {
        **layout["yaxis"],
        "range": _range(real[:, 1]),
        "scaleanchor": "x",
        "constrain": "domain",
    }
    return fast_figure(traces, layout)


def mosaic(images, columns: int) -> np.ndarray:
    """(N, C, H, W) images in [0, 1] -> one (rows*(H+1)-1, columns*(W+1)-1, C) picture, NaN between them."""
    images = np.clip(as_numpy(images), 0.0, 1.0)
    n, c, h, w = images.shape
    rows = math.ceil(n / columns)
    picture = np.full((rows * (h + IMAGE_GAP) - IMAGE_GAP, columns * (w + IMAGE_GAP) - IMAGE_GAP, c), np.nan)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = r * (h + IMAGE_GAP), col * (w + IMAGE_GAP)
        picture[top : top + h, left : left + w] = image.transpose(1, 2, 0)
    return picture


def sample_images(
    images, title: str = "Generated images", columns: int = 8, height: int = SAMPLE_HEIGHT
) -> go.Figure:
    """(N, C, H, W) generated images with values in [0, 1] (the data's raw units) as one grid: grey for one
    channel, colour for three. One trace, so it redraws as fast as a single picture."""
    picture = mosaic(images, min(columns, len(images)) or 1)
    if picture.shape[2] == 3:
        rgb = np.nan_to_num(picture, nan=1.0)
        trace = {"type": "image", "z": (rgb * 255).astype(np.uint8), "hoverinfo": "skip"}
    else:
        trace = {
            "type": "heatmap",
            "z": picture[::-1, :, 0],  # heatmaps count rows from the bottom: flip so images stand upright
            "colorscale": [
                [0, "black"],
                [1, "white"],
            ],  # spelled out: figures skip validation, which names it
            "zmin": 0,
            "zmax": 1,
            "showscale": False,
            "hoverongaps": False,
            "hoverinfo": "skip",
        }
    layout = live_layout(title, "", "", height=height)
    hidden = {"visible": False, "constrain": "domain"}
    layout["xaxis"] = hidden
    layout["yaxis"] = {**hidden, "scaleanchor": "x"}
    layout["margin"] = {"l": 10, "r": 10, "t": 40, "b": 10}
    return fast_figure([trace], layout)


def sample_figure(ds, samples) -> go.Figure | None:
    """What a generative model makes, drawn the way the dataset's examples look: points over the data for
    2-D points, a grid of images for images; None for data with no picture of its own. `samples` are in
    the data's normalised space, as recipes make them."""
    if getattr(ds, "image_shape", None):
        return sample_images(ds.denormalize(samples).reshape(len(samples), *ds.image_shape)[:32])
    if tuple(ds.input_shape) == (2,):
        return sample_points(ds.denormalize(ds.train[0]), ds.denormalize(samples))
    return None


def written_answers(ds, questions, answers, right) -> go.Figure:
    """A language model's answers to held-out questions of a token task, each beside the right answer:
    (N, Lq) questions, (N, La) answers written, (N, La) right answers, token ids. A table, redrawn in
    place like the charts."""
    names = list(ds.class_names)
    rows = [
        (decode(q, names), decode(a, names), decode(r, names), "✓" if bool((a == r).all()) else "✗")
        for q, a, r in zip(questions, answers, right, strict=True)
    ]
    columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
    trace = {
        "type": "table",
        "header": {"values": ["question", "answer written", "right answer", ""], "align": "left"},
        "cells": {
            "values": columns,
            "align": "left",
            "font": {"family": "monospace", "size": 14, "color": TEXT_COLOUR},
            "height": 24,
        },
        "columnwidth": [3, 3, 3, 1],
    }
    layout = live_layout("Answers to held-out questions", "", "", height=SAMPLE_HEIGHT)
    layout["margin"] = {"l": 10, "r": 10, "t": 40, "b": 10}
    return fast_figure([trace], layout)
