"""The Sequences page's attention figures: every head of every layer, positional codes, next characters."""

from __future__ import annotations

import numpy as np
import torch

from dlcore import plots
from tests.plots.figure_sizes import text_sizes, tile_widths_px


def test_every_head_of_every_layer_has_a_tile_with_the_tokens_on_its_axes():
    maps = [torch.softmax(torch.randn(2, 8, 8), dim=-1), torch.softmax(torch.randn(2, 8, 8), dim=-1)]
    keys = list("31415 92")
    queries = [f"{k}→{a}" for k, a in zip(keys, "29 51413", strict=True)]
    fig = plots.attention_layers(maps, queries, keys, width_px=1200)
    assert len(fig.data) == 4
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["layer 1 · head 1", "layer 1 · head 2", "layer 2 · head 1", "layer 2 · head 2"]
    for k in ["", "2", "3", "4"]:
        assert list(fig.layout[f"xaxis{k}"].ticktext) == ["3", "1", "4", "1", "5", "␣", "9", "2"]
        assert list(fig.layout[f"yaxis{k}"].ticktext)[0] == "3→2"
    assert np.allclose(np.asarray(fig.data[3].z), maps[1][1].numpy())
    assert min(tile_widths_px(fig, 1200)) >= 180 and min(text_sizes(fig)) >= 12


def test_long_inputs_wrap_onto_rows_rather_than_shrink_their_labels():
    maps = [torch.softmax(torch.randn(8, 15, 15), dim=-1)]
    fig = plots.attention_layers(
        maps, [str(i) for i in range(15)], [str(i) for i in range(15)], width_px=1200
    )
    assert min(tile_widths_px(fig, 1200)) >= 15 * 14


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
