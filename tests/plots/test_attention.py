"""The Sequences page's attention figures: every head of every layer, positional codes, next characters."""

from __future__ import annotations

import numpy as np
import torch

from dlcore import plots
from tests.plots.figure_sizes import text_sizes


def tile_px(fig, width_px: int, length: int) -> float:
    """How wide one tile of `length` tokens is drawn in a figure shown `width_px` wide."""
    plot_px = width_px - fig.layout.margin.l - fig.layout.margin.r
    return length * plot_px / np.asarray(fig.data[0].z).shape[1]


def test_every_head_of_every_layer_has_a_tile_with_the_tokens_on_its_axes():
    maps = [torch.softmax(torch.randn(2, 8, 8), dim=-1), torch.softmax(torch.randn(2, 8, 8), dim=-1)]
    keys = list("31415 92")
    queries = [f"{k}→{a}" for k, a in zip(keys, "29 51413", strict=True)]
    fig = plots.attention_layers(maps, queries, keys, width_px=1200)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["layer 1 · head 1", "layer 1 · head 2", "layer 2 · head 1", "layer 2 · head 2"]
    assert list(fig.layout.xaxis.ticktext[:8]) == ["3", "1", "4", "1", "5", "␣", "9", "2"]
    assert fig.layout.yaxis.ticktext[0] == "3→2" and fig.layout.yaxis.ticktext[5] == "␣→4"
    grid = np.asarray(fig.data[0].z, dtype=float)
    title = fig.layout.annotations[3]  # above the last tile, centred on it
    top, first = round(title.y + 1.2), round(title.x - 3.5)
    assert np.allclose(grid[top : top + 8, first : first + 8], maps[1][1].numpy())
    assert tile_px(fig, 1200, 8) >= 180 and min(text_sizes(fig)) >= 12


def test_long_inputs_wrap_onto_rows_rather_than_shrink_their_labels():
    maps = [torch.softmax(torch.randn(8, 15, 15), dim=-1)]
    tokens = [str(i) for i in range(15)]
    fig = plots.attention_layers(maps, tokens, tokens, width_px=1200)
    assert tile_px(fig, 1200, 15) >= 15 * 14
    assert len(fig.layout.yaxis.ticktext) > 15  # more than one row of tiles, each labelled


def test_positional_codes_show_the_table_and_how_alike_positions_are():
    codes = torch.randn(8, 32)
    fig = plots.positional_codes(codes)
    similarity = np.asarray(fig.data[1].z)
    assert np.asarray(fig.data[0].z).shape == (8, 32) and similarity.shape == (8, 8)
    assert np.allclose(np.diag(similarity), 1.0)


def test_next_token_bars_show_the_likeliest_first_with_spaces_visible():
    vocabulary = [" ", "a", "b", "c"]
    fig = plots.next_token_bars(torch.tensor([0.5, 0.1, 0.3, 0.1]), vocabulary, shown=3)
    assert list(fig.data[0].x) == ["'␣'", "'b'", "'a'"]
    assert np.allclose(fig.data[0].y, [0.5, 0.3, 0.1])
