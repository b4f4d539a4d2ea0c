"""dlcore.plots: figures from training data and summaries, light enough to redraw 4 times a second."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from hypothesis import given
from hypothesis import strategies as st

from dlcore import plots


def steps(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": np.arange(1, n + 1),
            "epoch": np.arange(1, n + 1) // 100,
            "train_loss": np.linspace(2.0, 0.1, n),
            "train_accuracy": np.linspace(0.1, 0.95, n),
        }
    )


def epochs(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "epoch": np.arange(1, n + 1),
            "step": np.arange(1, n + 1) * 100,
            "train_loss": np.linspace(1.5, 0.2, n),
            "val_loss": np.linspace(1.6, 0.3, n),
            "train_accuracy": np.linspace(0.5, 0.9, n),
            "val_accuracy": np.linspace(0.4, 0.85, n),
        }
    )


@given(st.integers(0, 3000), st.integers(2, 800))
def test_downsample_keeps_ends_and_never_exceeds_the_cap(n, cap):
    df = pd.DataFrame({"step": np.arange(n)})
    out = plots.downsample(df, cap)
    assert len(out) == min(n, cap)
    if n:
        assert out["step"].iloc[0] == 0 and out["step"].iloc[-1] == n - 1
        assert out["step"].is_monotonic_increasing


def test_loss_curve_plots_steps_and_both_epoch_splits_within_the_point_budget():
    fig = plots.loss_curve(steps(20_000), epochs(200))
    names = [t.name for t in fig.data]
    assert names == ["train (per step)", "train (per epoch)", "validation (per epoch)"]
    assert all(isinstance(t, go.Scatter) for t in fig.data)  # never Scattergl
    assert all(len(t.x) <= plots.MAX_POINTS for t in fig.data)
    assert fig.data[0].y[-1] == 0.1  # the latest point is always shown
    assert fig.layout.uirevision == plots.UIREVISION


def test_empty_metrics_give_an_empty_chart_not_an_error():
    assert len(plots.loss_curve(pd.DataFrame(columns=["step", "train_loss"]), None).data) == 0
    assert len(plots.accuracy_curve(None, None).data) == 0
    assert len(plots.grad_norm_chart(pd.DataFrame()).data) == 0


def test_accuracy_curve_draws_train_and_validation_per_epoch():
    fig = plots.accuracy_curve(steps(1000), epochs(5))
    assert [t.name for t in fig.data] == ["train (per epoch)", "validation (per epoch)"]
    assert list(fig.data[1].y) == list(epochs(5)["val_accuracy"])
    assert fig.layout.yaxis.tickformat == ".0%"


def test_accuracy_curve_switches_to_r2_for_regression():
    df = pd.DataFrame({"epoch": [1, 2], "step": [10, 20], "train_r2": [0.1, 0.5], "val_r2": [0.0, 0.4]})
    fig = plots.accuracy_curve(None, df)
    assert fig.layout.title.text == "R²" and list(fig.data[1].y) == [0.0, 0.4]


def test_grad_norm_chart_has_one_line_per_layer_in_model_order_on_a_log_axis():
    grad = pd.DataFrame(
        {
            "step": np.repeat(np.arange(1000), 3),
            "layer": ["conv2d1", "linear1", "linear2"] * 1000,
            "grad_norm": np.tile([1e-4, 1e-2, 1.0], 1000),
        }
    )
    fig = plots.grad_norm_chart(grad)
    assert [t.name for t in fig.data] == ["conv2d1", "linear1", "linear2"]
    assert sum(len(t.x) for t in fig.data) <= plots.MAX_POINTS
    assert fig.layout.yaxis.type == "log"


def test_grad_norm_chart_marks_points_when_a_layer_has_few_so_a_single_one_shows():
    one_each = pd.DataFrame({"step": [1, 1], "layer": ["linear1", "linear2"], "grad_norm": [0.5, 0.1]})
    assert all("markers" in t.mode for t in plots.grad_norm_chart(one_each).data)  # a lone line is invisible
    many = pd.DataFrame({"step": np.arange(500), "layer": "linear1", "grad_norm": 0.5})
    assert plots.grad_norm_chart(many).data[0].mode == "lines"


def test_grad_norm_axis_labels_more_than_powers_of_ten_when_the_norms_span_less_than_two():
    narrow = pd.DataFrame({"step": [1, 2], "layer": "linear1", "grad_norm": [0.2, 0.9]})
    wide = pd.DataFrame({"step": [1, 2], "layer": "linear1", "grad_norm": [1e-6, 0.9]})
    axis = plots.grad_norm_chart(narrow).layout.yaxis
    shown = [text for value, text in zip(axis.tickvals, axis.ticktext, strict=True) if 0.2 <= value <= 0.9]
    assert shown == ["0.2", "0.5"]  # plain numbers, not "5" under "1"
    assert plots.grad_norm_chart(wide).layout.yaxis.dtick == 1


def test_confusion_matrix_shows_counts_and_row_shares():
    fig = plots.confusion_matrix([[8, 2], [0, 5]], ["cat", "dog"])
    heat = fig.data[0]
    assert list(heat.x) == ["cat", "dog"]
    assert np.allclose(np.asarray(heat.z), [[0.8, 0.2], [0.0, 1.0]])
    assert np.asarray(heat.text).tolist() == [[8, 2], [0, 5]]


def test_confusion_matrix_with_an_empty_row_does_not_divide_by_zero():
    fig = plots.confusion_matrix([[0, 0], [1, 1]], ["a", "b"])
    assert np.isfinite(np.asarray(fig.data[0].z, dtype=float)).all()


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


def test_network_diagram_draws_top_level_layers_with_the_shape_on_every_arrow():
    fig = plots.network_diagram(summary(), input_shape=(1, 8, 8), categories={"Conv2d": "convolution"})
    texts = annotation_texts(fig)
    # input, 5 top-level layers (the nested conv is inside its block), output
    assert len(fig.layout.shapes) == 7
    for shape in ("1×8×8", "8×8×8", "512", "10"):
        assert shape in texts
    assert any("5,130 params" in t for t in texts)
    assert fig.layout.shapes[1].fillcolor == plots.CATEGORY_COLOURS["convolution"]


def test_network_diagram_marks_where_the_model_stops_fitting():
    fig = plots.network_diagram(summary().iloc[:2], input_shape=(1, 8, 8), error_index=2)
    assert any("does not fit" in t for t in annotation_texts(fig))
    assert fig.layout.shapes[-1].fillcolor == "#d62728"


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


def test_a_deep_network_diagram_wraps_onto_rows_of_legible_boxes():
    fig = plots.network_diagram(deep_summary(12), input_shape=(1, 28, 28), width_px=820)
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
    fig = plots.network_diagram(deep_summary(4), input_shape=(1, 28, 28))
    for note in fig.layout.annotations:
        assert note.font.size is None or note.font.size >= 12, note.text
        assert "font-size" not in (note.text or "")
    texts = annotation_texts(fig)
    assert any("<b>Transformer<br>EncoderLayer</b>" in t for t in texts)
    assert sum("48,120 params" in t for t in texts) == 4


def test_a_short_network_diagram_stays_on_one_row_when_it_fits():
    fig = plots.network_diagram(deep_summary(3), input_shape=(1, 28, 28), width_px=1200)
    assert len({b.y0 for b in fig.layout.shapes}) == 1 and len(fig.data) == 0


@given(st.integers(1, 1500), st.integers(1, 3))
def test_predictions_against_targets_pairs_each_value_within_the_point_budget(n, outputs):
    targets = np.linspace(-1, 2, n * outputs).reshape(n, outputs)
    predictions = targets * 0.5 + 0.1
    fig = plots.predictions_vs_targets(targets, predictions)
    diagonal, points = fig.data
    assert len(points.x) == min(n * outputs, plots.MAX_POINTS)
    np.testing.assert_allclose(points.y, np.asarray(points.x) * 0.5 + 0.1)  # each target with its prediction
    assert diagonal.x == diagonal.y  # the line where prediction = target ...
    assert min(diagonal.x) <= min(min(points.x), min(points.y))  # ... spans every point
    assert max(diagonal.x) >= max(max(points.x), max(points.y))
    assert "target" in fig.layout.xaxis.title.text and "prediction" in fig.layout.yaxis.title.text


def test_reconstructions_of_2d_points_join_each_input_to_its_reconstruction():
    inputs = np.array([[0.0, 1.0], [2.0, 3.0], [-1.0, 0.5]])
    outputs = inputs + [0.1, -0.2]
    links, shown_in, shown_out = plots.reconstructions(inputs, outputs).data
    assert (shown_in.name, shown_out.name) == ("input", "reconstruction")
    np.testing.assert_allclose(np.c_[shown_in.x, shown_in.y], inputs)
    np.testing.assert_allclose(np.c_[shown_out.x, shown_out.y], outputs)
    segments = np.c_[links.x, links.y].reshape(3, 3, 2)  # input, reconstruction, gap
    np.testing.assert_allclose(segments[:, 0], inputs)
    np.testing.assert_allclose(segments[:, 1], outputs)
    assert np.isnan(segments[:, 2]).all()


def test_reconstructions_of_other_shapes_plot_values_against_inputs():
    inputs = np.arange(24, dtype=float).reshape(2, 3, 4)
    fig = plots.reconstructions(inputs, inputs + 1)
    np.testing.assert_allclose(fig.data[1].y, np.asarray(fig.data[1].x) + 1)
    assert "Reconstructed" in fig.layout.title.text
