"""The playground's figures: valid Plotly (they skip validation when built), and the click map of the
network figure points at the right weights."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

import dlcore
import dlcore.playground as pg
from dlcore.plots import playground


def built(state: pg.Playground, network: pg.Network):
    torch.manual_seed(0)
    model = dlcore.build_model(pg.model_spec(state, network))
    return model, pg.neuron_maps(model, network, resolution=20)


def assert_valid(figure: go.Figure) -> None:
    go.Figure(figure.to_dict())  # the validating constructor raises on any invalid property


@pytest.mark.parametrize(
    "network",
    [
        pg.Network(),
        pg.Network(hidden=(), activations=()),
        pg.Network(features=pg.FEATURES, hidden=(8,) * 6, activations=("relu",) * 6),
    ],
)
def test_every_weight_and_bias_has_one_click_point_in_trace_0(network):
    state = pg.Playground()
    model, maps = built(state, network)
    weights = pg.network_weights(model, network)
    picture = playground.network_figure(maps, weights, network, ["a", "b"])
    assert_valid(picture.figure)
    expected = sum(w.size + b.size for w, b in weights)
    assert len(picture.edges) == expected == len(picture.figure.data[0].x)
    for i, edge in enumerate(picture.edges):  # each click point's hover text names its value
        assert f"{edge.value:.3f}" in picture.figure.data[0].hovertext[i]
        layer = dict(zip(pg.layer_names(network), weights, strict=True))[edge.layer]
        value = layer[1][edge.target] if edge.source is None else layer[0][edge.target, edge.source]
        assert value == pytest.approx(edge.value)


def test_the_network_picture_is_one_image_with_every_neuron():
    network = pg.Network()
    state = pg.Playground()
    model, maps = built(state, network)
    picture = playground.network_figure(maps, pg.network_weights(model, network), network, ["a", "b"])
    (image,) = picture.figure.layout.images
    assert image.source.startswith("data:image/png;base64,")


def test_an_edge_is_coloured_by_sign_and_thickened_by_size():
    network = pg.Network(hidden=(), activations=())
    state = pg.Playground()
    model, maps = built(state, network)
    with torch.no_grad():
        model.output.weight.copy_(torch.tensor([[2.0, -0.05], [0.0, 0.0]]))
    picture = playground.network_figure(maps, pg.network_weights(model, network), network, ["a", "b"])
    lines = [t for t in picture.figure.data if t.mode == "lines"]
    strongest = max(lines, key=lambda t: t.line.width)
    weakest = min(lines, key=lambda t: t.line.width)
    assert strongest.line.color == playground._hex(playground.POSITIVE)
    assert weakest.line.color == playground._hex(playground.NEGATIVE)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_boundary_figures_are_valid_for_every_task(task):
    rng = np.random.default_rng(0)
    boundary = rng.uniform(0, 1, (3, 20, 20)) if task == "multiclass" else rng.uniform(-1, 1, (20, 20))
    if task == "multiclass":
        boundary = boundary / boundary.sum(0)
    targets = rng.uniform(-1, 1, 30) if task == "regression" else rng.integers(0, 3, 30)
    for clickable in (False, True):
        fig = playground.boundary_figure(
            boundary, task, (rng.uniform(-6, 6, (30, 2)), targets), clickable=clickable
        )
        assert_valid(fig)
        assert (fig.data[0].hovertemplate or "").startswith("add a point") == clickable


def test_discretize_gives_pure_class_colours():
    boundary = np.array([[-0.2, 0.3]], dtype=np.float32)
    rgb = playground.boundary_rgb(boundary, "binary", discretize=True)
    soft = playground.boundary_rgb(boundary, "binary", discretize=False)
    assert (rgb[0, 0] == playground.diverging_rgb(np.float32(-0.85))).all()
    assert (rgb[0, 1] == playground.diverging_rgb(np.float32(0.85))).all()
    assert not (soft == rgb).all()


def test_small_figures_are_valid():
    history = [{"epoch": e, "train_loss": 1 / (e + 1), "test_loss": 1.1 / (e + 1)} for e in range(1000)]
    loss = playground.loss_figure(history)
    assert_valid(loss)
    assert len(loss.data[0].x) == 300  # downsampled for a smooth redraw
    grads = playground.grad_norm_figure(pg.latest_grad_norms(_grad_table(), pg.Network()))
    assert_valid(grads)
    assert list(grads.data[0].x) == ["layer 1", "layer 2", "output"]


def _grad_table():
    import pandas as pd

    rows = [
        (step, name, 10.0**-i, 1.0)
        for step in (1, 2)
        for i, name in enumerate(["output", "hidden2", "hidden1"])
    ]
    return pd.DataFrame(rows, columns=["step", "layer", "grad_norm", "weight_norm"])


def test_a_dataset_thumbnail_puts_each_point_where_it_lies_in_its_class_colour():
    import io

    from PIL import Image

    png = playground.dataset_thumbnail([[6.0, 6.0], [-6.0, -6.0]], [1, 0], "binary", size=20)
    pixels = np.array(Image.open(io.BytesIO(png)))
    assert (pixels[0, -1] == playground.CLASS_COLOURS[1]).all()  # top right: blue
    assert (pixels[-1, 0] == playground.CLASS_COLOURS[0]).all()  # bottom left: orange
    assert (pixels[10, 10] == 245).all()  # empty elsewhere


def _neuron_px(figure: go.Figure, width_px: int) -> float:
    """How many pixels wide one neuron's picture is drawn at `width_px`."""
    layout = figure.layout
    span = layout.xaxis.range[1] - layout.xaxis.range[0]
    per_unit = min(playground.MAX_PIXELS_PER_UNIT, (width_px - layout.margin.l - layout.margin.r) / span)
    return 0.52 * per_unit  # a neuron is 0.52 units wide


@pytest.mark.parametrize("layers", [0, 2, 6])
def test_a_network_too_wide_for_its_column_wraps_onto_rows_and_keeps_its_neurons_big(layers):
    network = pg.Network(features=pg.FEATURES, hidden=(8,) * layers, activations=("relu",) * layers)
    model, maps = built(pg.Playground(), network)
    picture = playground.network_figure(
        maps, pg.network_weights(model, network), network, ["a", "b"], width_px=310
    )
    assert_valid(picture.figure)
    assert _neuron_px(picture.figure, 310) >= playground.MIN_NEURON_PX
    continued = [a for a in picture.figure.layout.annotations if a.text.startswith("↪")]
    assert bool(continued) == (layers == 6)  # six hidden layers wrap; the default 4-2 net stays on one row


def test_wrapped_bands_start_with_the_column_the_band_before_ended_with():
    assert playground.wrapped_columns(4, 4) == [(0, 0, 0), (1, 0, 1), (2, 0, 2), (3, 0, 3)]
    assert playground.wrapped_columns(6, 3) == [(0, 0, 0), (1, 0, 1), (2, 0, 2), (2, 1, 0), (3, 1, 1),
                                                (4, 1, 2), (4, 2, 0), (5, 2, 1)]  # fmt: skip
