"""Figures of the Inspect, Explain and Adversarial pages: what is drawn, where, and on which scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore import plots_inspect as plots
from dlcore.inspect import PERCENTILES


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 20), h=st.integers(1, 6), w=st.integers(1, 6), columns=st.integers(1, 8))
def test_tiling_puts_every_map_in_its_own_tile_with_gaps(n, h, w, columns):
    maps = np.random.default_rng(0).normal(size=(n, h, w))
    tiled, index = plots.tile(maps, columns)
    for i in range(n):
        cells = tiled[index == i]
        assert cells.size == h * w
        assert np.nanmin(cells) >= 0 and np.nanmax(cells) <= 1
    assert np.isnan(tiled[index == -1]).all()


def test_feature_map_grid_names_the_layer_and_its_shape_and_caps_the_channels():
    fig = plots.feature_map_grid(torch.rand(40, 5, 5), "conv2d1", max_channels=16)
    assert fig.layout.title.text == "conv2d1 — 40 channels × 5×5 (first 16 shown)"
    custom = np.asarray(fig.data[0].customdata)
    assert custom[..., 0].max() == 15


def test_one_dimensional_maps_and_filters_are_one_heatmap_with_a_row_per_channel():
    fig = plots.feature_map_grid(torch.rand(6, 50), "conv1d1")
    assert np.asarray(fig.data[0].z).shape == (6, 50)
    assert fig.layout.title.text == "conv1d1 output — 6 channels × 50"
    filters = plots.filter_grid(torch.randn(6, 2, 5), "conv1d1")
    assert np.asarray(filters.data[0].z).shape == (6, 5) and filters.data[0].zmin == -filters.data[0].zmax


def test_a_sequence_input_is_a_line_per_feature_and_a_table_row_a_bar_per_feature():
    sequence = plots.input_figure(torch.randn(30, 2), ["x", "y"])
    assert [t.name for t in sequence.data] == ["x", "y"] and len(sequence.data[0].y) == 30
    row = plots.input_figure(torch.tensor([1.0, 2.0, 3.0]), ["a", "b", "c"])
    assert list(row.data[0].x) == ["a", "b", "c"]


def test_filter_grid_uses_a_symmetric_scale_for_grey_filters_and_colour_for_rgb():
    grey = plots.filter_grid(torch.randn(6, 1, 3, 3), "conv2d1")
    assert grey.data[0].zmin == -grey.data[0].zmax
    assert plots.filter_grid(torch.randn(6, 3, 3, 3), "conv2d1").data[0].type == "image"


def test_attribution_grid_has_the_input_then_one_map_per_method_scaled_to_one():
    image = torch.rand(1, 8, 8)
    attrs = {"Saliency": torch.rand(1, 8, 8) * 50, "Integrated Gradients": torch.randn(1, 8, 8)}
    signed = {"Saliency": False, "Integrated Gradients": True}
    side_by_side = plots.attribution_grid(image, attrs, signed, overlay=False)
    assert [t.name for t in side_by_side.data] == ["", "Saliency", "Integrated Gradients"]
    saliency, ig = side_by_side.data[1], side_by_side.data[2]
    assert np.abs(np.asarray(saliency.z)).max() == pytest.approx(1.0)
    assert saliency.colorscale != ig.colorscale  # magnitude vs signed scale
    assert ig.zmin == -1
    over = plots.attribution_grid(image, attrs, signed)
    assert [t.name for t in over.data] == ["", "input", "Saliency", "input", "Integrated Gradients"]
    # Over the picture, no attribution means fully transparent: the input shows through.
    assert over.data[2].colorscale[0][1] == "rgba(203,24,29,0)"
    assert over.data[4].colorscale[1][1] == "rgba(255,255,255,0)"


def test_feature_attribution_bars_group_methods_per_feature():
    fig = plots.feature_attribution_bars(
        {"A": torch.tensor([1.0, -2.0]), "B": torch.tensor([0.5, 0.5])}, ["petal", "sepal"], "why"
    )
    assert [t.name for t in fig.data] == ["A", "B"]
    assert list(fig.data[0].x) == ["petal", "sepal"]
    assert list(fig.data[0].y) == [0.5, -1.0]


def test_distribution_over_time_draws_nested_bands_and_the_median():
    rows = [
        {
            "step": s,
            "layer": "linear1",
            "kind": "weight",
            "norm": 1.0,
            **{f"p{q}": q / 100 + s for q in PERCENTILES},
        }
        for s in range(3)
    ]
    fig = plots.distribution_over_time(pd.DataFrame(rows), "linear1", "weight")
    assert len(fig.data) == 2 * len(plots.BANDS) + 1
    assert list(fig.data[-1].y) == [0.5, 1.5, 2.5]


def test_clickable_confusion_has_a_selectable_point_per_cell():
    fig = plots.clickable_confusion([[3, 1], [0, 4]], ["cat", "dog"])
    scatter = fig.data[-1]
    assert scatter.type == "scatter" and len(scatter.x) == 4
    cell = list(scatter.customdata[1])  # second point: true cat, predicted dog
    assert cell == [0, 1] and scatter.x[1] == "dog" and scatter.y[1] == "cat"


def test_adversarial_figure_shows_zero_perturbation_as_mid_grey():
    img = torch.rand(1, 6, 6)
    fig = plots.adversarial_figure(img, torch.zeros(1, 6, 6), img, ["a", "b", "c"], amplify=10)
    assert np.allclose(np.asarray(fig.data[1].z), 0.5)
    assert "×10" in fig.layout.annotations[1].text


def test_robustness_curve_has_one_line_per_model():
    curves = pd.DataFrame(
        {
            "epsilon": [0, 0.1, 0, 0.1],
            "accuracy": [0.9, 0.2, 0.85, 0.7],
            "label": ["plain", "plain", "robust", "robust"],
        }
    )
    fig = plots.robustness_curve(curves)
    assert [t.name for t in fig.data] == ["plain", "robust"]
