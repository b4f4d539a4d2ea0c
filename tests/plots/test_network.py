"""dlcore.plots.network: the Build page's diagram, legible on a projector."""

from __future__ import annotations

import pandas as pd

from dlcore.plots import network


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["conv2d1", "relu1", "residual1", "residual1.conv2d2", "flatten1", "linear1"],
            "type": ["Conv2d", "ReLU", "Residual", "Conv2d", "Flatten", "Linear"],
            "depth": [0, 0, 0, 1, 0, 0],
            "output_shape": [(8, 8, 8), (8, 8, 8), (8, 8, 8), (8, 8, 8), (512,), (10,)],
            "params": [80, 0, 584, 584, 0, 5130],
            "macs": [0] * 6,
        }
    )


def annotation_texts(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def deep_summary(n_layers: int = 12) -> pd.DataFrame:
    types = ["Conv2d", "Tanh", "AvgPool2d", "TransformerEncoderLayer"] * n_layers
    return pd.DataFrame(
        {
            "name": [f"{t.lower()}{i}" for i, t in enumerate(types[:n_layers])],
            "type": types[:n_layers],
            "depth": [0] * n_layers,
            "output_shape": [(16, 10, 10)] * n_layers,
            "params": [48120] * n_layers,
            "macs": [0] * n_layers,
        }
    )


def test_network_diagram_draws_top_level_layers_with_the_shape_on_every_arrow():
    fig = network.network_diagram(summary(), input_shape=(1, 8, 8), categories={"Conv2d": "convolution"})
    texts = annotation_texts(fig)
    # input, 5 top-level layers (the nested conv is inside its block), output
    assert len(fig.layout.shapes) == 7
    for shape in ("1×8×8", "8×8×8", "512", "10"):
        assert shape in texts
    assert any("5,130 params" in t for t in texts)
    assert fig.layout.shapes[1].fillcolor == network.CATEGORY_COLOURS["convolution"]


def test_network_diagram_marks_where_the_model_stops_fitting():
    fig = network.network_diagram(summary().iloc[:2], input_shape=(1, 8, 8), error_index=2)
    assert any("does not fit" in t for t in annotation_texts(fig))
    assert fig.layout.shapes[-1].fillcolor == "#d62728"


def test_a_deep_network_diagram_wraps_onto_rows_of_legible_boxes():
    fig = network.network_diagram(deep_summary(12), input_shape=(1, 28, 28), width_px=820)
    boxes = fig.layout.shapes
    assert len(boxes) == 14  # input, 12 layers, output
    tops = sorted({b.y0 for b in boxes})
    assert len(tops) >= 3  # wrapped onto rows instead of 14 slivers side by side
    # The axis spans the figure's width in pixels, so box sizes are pixels: each keeps a size its text fits.
    assert fig.layout.xaxis.range[1] - fig.layout.xaxis.range[0] <= 820
    assert all(b.x1 - b.x0 >= 100 and b.y1 - b.y0 >= 80 for b in boxes)
    assert max(b.x1 for b in boxes) <= 820
    assert fig.layout.height >= len(tops) * 120  # the figure grows with its rows
    # every row after the first is reached by a line from the end of the row before
    assert len(fig.data) == len(tops) - 1


def test_network_diagram_text_is_at_least_12_px_and_long_type_names_break_instead_of_spilling():
    fig = network.network_diagram(deep_summary(4), input_shape=(1, 28, 28))
    for note in fig.layout.annotations:
        assert note.font.size is None or note.font.size >= 12, note.text
        assert "font-size" not in (note.text or "")
    texts = annotation_texts(fig)
    assert any("<b>Transformer<br>EncoderLayer</b>" in t for t in texts)
    assert sum("48,120 params" in t for t in texts) == 4


def test_a_short_network_diagram_stays_on_one_row_when_it_fits():
    fig = network.network_diagram(deep_summary(3), input_shape=(1, 28, 28), width_px=1200)
    assert len({b.y0 for b in fig.layout.shapes}) == 1 and len(fig.data) == 0
