"""dlcore.plots.explain: attribution maps and bars, and the sanity check's captions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcore.plots import explain
from tests.plots.figure_sizes import text_sizes, tile_widths_px

NINE_METHODS = [
    "Saliency", "Integrated Gradients", "SmoothGrad", "Grad-CAM", "HiResCAM", "Occlusion", "DeepLift",
    "Guided Backprop", "Gradient × Input",
]  # fmt: skip


def test_attribution_grid_has_the_input_then_one_map_per_method_scaled_to_one():
    image = torch.rand(1, 8, 8)
    attrs = {"Saliency": torch.rand(1, 8, 8) * 50, "Integrated Gradients": torch.randn(1, 8, 8)}
    signed = {"Saliency": False, "Integrated Gradients": True}
    side_by_side = explain.attribution_grid(image, attrs, signed, overlay=False)
    assert [t.name for t in side_by_side.data] == ["", "Saliency", "Integrated Gradients"]
    saliency, ig = side_by_side.data[1], side_by_side.data[2]
    assert np.abs(np.asarray(saliency.z)).max() == pytest.approx(1.0)
    assert saliency.colorscale != ig.colorscale  # magnitude vs signed scale
    assert ig.zmin == -1
    over = explain.attribution_grid(image, attrs, signed)
    assert [t.name for t in over.data] == ["", "input", "Saliency", "input", "Integrated Gradients"]
    # Over the picture, no attribution means fully transparent: the input shows through.
    assert over.data[2].colorscale[0][1] == "rgba(203,24,29,0)"
    assert over.data[4].colorscale[1][1] == "rgba(255,255,255,0)"


def test_feature_attribution_bars_group_methods_per_feature():
    fig = explain.feature_attribution_bars(
        {"A": torch.tensor([1.0, -2.0]), "B": torch.tensor([0.5, 0.5])}, ["petal", "sepal"], "why"
    )
    assert [t.name for t in fig.data] == ["A", "B"]
    assert list(fig.data[0].x) == ["petal", "sepal"]
    assert list(fig.data[0].y) == [0.5, -1.0]


def test_many_attribution_maps_wrap_onto_rows_of_tiles_at_least_180_px_wide():
    attrs = {name: torch.randn(1, 8, 8) for name in NINE_METHODS}
    fig = explain.attribution_grid(torch.rand(1, 8, 8), attrs, overlay=False, title="Evidence", width_px=820)
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
    fig = explain.randomisation_figure(torch.rand(1, 8, 8), stages, "Saliency", signed=True)
    titles = [a.text.replace("<br>", " ") for a in fig.layout.annotations]
    assert "every layer random similarity 0.00" in titles
    assert min(tile_widths_px(fig, explain.PAGE_WIDTH_PX)) >= 180
