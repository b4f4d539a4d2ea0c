"""dlcore.plots.inspect: the Inspect page's figures: what is drawn, where, and on which scale."""

from __future__ import annotations

import numpy as np
import torch

from dlcore.plots import inspect
from tests.plots.figure_sizes import text_sizes, tile_widths_px


def test_feature_map_grid_names_the_layer_and_its_shape_and_caps_the_channels():
    fig = inspect.feature_map_grid(torch.rand(40, 5, 5), "conv2d1", max_channels=16)
    assert fig.layout.title.text == "conv2d1 — 40 channels × 5×5 (first 16 shown)"
    custom = np.asarray(fig.data[0].customdata)
    assert custom[..., 0].max() == 15


def test_one_dimensional_maps_and_filters_are_one_heatmap_with_a_row_per_channel():
    fig = inspect.feature_map_grid(torch.rand(6, 50), "conv1d1")
    assert np.asarray(fig.data[0].z).shape == (6, 50)
    assert fig.layout.title.text == "conv1d1 output — 6 channels × 50"
    filters = inspect.filter_grid(torch.randn(6, 2, 5), "conv1d1")
    assert np.asarray(filters.data[0].z).shape == (6, 5) and filters.data[0].zmin == -filters.data[0].zmax


def test_a_sequence_input_is_a_line_per_feature_and_a_table_row_a_bar_per_feature():
    sequence = inspect.input_figure(torch.randn(30, 2), ["x", "y"])
    assert [t.name for t in sequence.data] == ["x", "y"] and len(sequence.data[0].y) == 30
    row = inspect.input_figure(torch.tensor([1.0, 2.0, 3.0]), ["a", "b", "c"])
    assert list(row.data[0].x) == ["a", "b", "c"]


def test_filter_grid_uses_a_symmetric_scale_for_grey_filters_and_colour_for_rgb():
    grey = inspect.filter_grid(torch.randn(6, 1, 3, 3), "conv2d1")
    assert grey.data[0].zmin == -grey.data[0].zmax
    assert inspect.filter_grid(torch.randn(6, 3, 3, 3), "conv2d1").data[0].type == "image"


def test_clickable_confusion_has_a_selectable_point_per_cell():
    fig = inspect.clickable_confusion([[3, 1], [0, 4]], ["cat", "dog"])
    scatter = fig.data[-1]
    assert scatter.type == "scatter" and len(scatter.x) == 4
    cell = list(scatter.customdata[1])  # second point: true cat, predicted dog
    assert cell == [0, 1] and scatter.x[1] == "dog" and scatter.y[1] == "cat"


def test_attention_maps_are_large_and_labelled_with_the_input_tokens():
    tokens = ["3", "1", "4", "1", "5", "9", "2", "6"]
    weights = torch.softmax(torch.randn(4, 8, 8), dim=-1)
    fig = inspect.attention_grid(weights, "transformerencoderlayer1", tokens, width_px=820)
    assert len(fig.data) == 4 and min(tile_widths_px(fig, 820)) >= 180
    for k in ["", "2", "3", "4"]:
        for axis in (fig.layout[f"xaxis{k}"], fig.layout[f"yaxis{k}"]):
            assert list(axis.ticktext) == tokens and list(axis.tickvals) == list(range(8))  # repeats kept
    assert min(text_sizes(fig)) >= 12
    assert np.allclose(np.asarray(fig.data[2].z), weights[2].numpy())
    unlabelled = inspect.attention_grid(weights, "attn")
    assert list(unlabelled.layout.xaxis.ticktext) == [str(i) for i in range(8)]  # positions, without tokens


def test_long_sequences_get_tiles_big_enough_for_a_line_per_token():
    fig = inspect.attention_grid(torch.softmax(torch.randn(2, 20, 20), dim=-1), "attn", width_px=820)
    assert min(tile_widths_px(fig, 820)) >= 20 * 14
