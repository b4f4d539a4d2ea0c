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


def tile_widths_px(fig, width_px: int) -> list[float]:
    """Width in pixels of every subplot that holds a trace, for a figure shown `width_px` wide."""
    used = {t.xaxis for t in fig.data}
    axes = [fig.layout[f"xaxis{a[1:]}"] for a in sorted(used)]
    plot_px = width_px - fig.layout.margin.l - fig.layout.margin.r
    return [(ax.domain[1] - ax.domain[0]) * plot_px for ax in axes]


def text_sizes(fig) -> list[float]:
    sizes = [a.font.size for a in fig.layout.annotations]
    axes = [fig.layout[k] for k in fig.layout if k.startswith(("xaxis", "yaxis"))]
    return sizes + [ax.tickfont.size for ax in axes if ax.tickfont.size is not None]


NINE_METHODS = [
    "Saliency", "Integrated Gradients", "SmoothGrad", "Grad-CAM", "HiResCAM", "Occlusion", "DeepLift",
    "Guided Backprop", "Gradient × Input",
]  # fmt: skip


def test_many_attribution_maps_wrap_onto_rows_of_tiles_at_least_180_px_wide():
    attrs = {name: torch.randn(1, 8, 8) for name in NINE_METHODS}
    fig = plots.attribution_grid(torch.rand(1, 8, 8), attrs, overlay=False, title="Evidence", width_px=820)
    widths = tile_widths_px(fig, 820)
    assert len(widths) == 10 and min(widths) >= 180  # the input and nine maps, none a 70 px thumbnail
    assert len({fig.layout[f"yaxis{a[1:]}"].domain for a in {t.yaxis for t in fig.data}}) >= 3  # rows
    assert fig.layout.height >= 3 * 180
    assert min(text_sizes(fig)) >= 12
    # Long titles wrap onto lines; none is cut short.
    titles = [a.text.replace("<br>", " ") for a in fig.layout.annotations]
    assert titles == ["input", *NINE_METHODS]


def test_captions_of_the_sanity_check_stay_whole_under_each_map():
    stages = [
        {"stage": s, "attribution": torch.randn(1, 8, 8), "similarity": v}
        for s, v in [("trained", 1.0), ("output layer random", 0.4), ("every layer random", -0.001)]
    ]
    fig = plots.randomisation_figure(torch.rand(1, 8, 8), stages, "Saliency", signed=True)
    titles = [a.text.replace("<br>", " ") for a in fig.layout.annotations]
    assert "every layer random similarity 0.00" in titles
    assert min(tile_widths_px(fig, plots.PAGE_WIDTH_PX)) >= 180


def test_attention_maps_are_large_and_labelled_with_the_input_tokens():
    tokens = ["3", "1", "4", "1", "5", "9", "2", "6"]
    weights = torch.softmax(torch.randn(4, 8, 8), dim=-1)
    fig = plots.attention_grid(weights, "transformerencoderlayer1", tokens, width_px=820)
    assert len(fig.data) == 4 and min(tile_widths_px(fig, 820)) >= 180
    for k in ["", "2", "3", "4"]:
        for axis in (fig.layout[f"xaxis{k}"], fig.layout[f"yaxis{k}"]):
            assert list(axis.ticktext) == tokens and list(axis.tickvals) == list(range(8))  # repeats kept
    assert min(text_sizes(fig)) >= 12
    assert np.allclose(np.asarray(fig.data[2].z), weights[2].numpy())
    unlabelled = plots.attention_grid(weights, "attn")
    assert list(unlabelled.layout.xaxis.ticktext) == [str(i) for i in range(8)]  # positions, without tokens


def test_long_sequences_get_tiles_big_enough_for_a_line_per_token():
    fig = plots.attention_grid(torch.softmax(torch.randn(2, 20, 20), dim=-1), "attn", width_px=820)
    assert min(tile_widths_px(fig, 820)) >= 20 * 14
