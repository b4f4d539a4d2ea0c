"""dlcore.plots.curves: live training curves, light enough to redraw 4 times a second."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.plots import curves, style


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


def test_loss_curve_plots_steps_and_both_epoch_splits_within_the_point_budget():
    fig = curves.loss_curve(steps(20_000), epochs(200))
    names = [t.name for t in fig.data]
    assert names == ["train (per step)", "train (per epoch)", "validation (per epoch)"]
    assert all(isinstance(t, go.Scatter) for t in fig.data)  # never Scattergl
    assert all(len(t.x) <= style.MAX_POINTS for t in fig.data)
    assert fig.data[0].y[-1] == 0.1  # the latest point is always shown
    assert fig.layout.uirevision == style.UIREVISION


def test_empty_metrics_give_an_empty_chart_not_an_error():
    assert len(curves.loss_curve(pd.DataFrame(columns=["step", "train_loss"]), None).data) == 0
    assert len(curves.accuracy_curve(None, None).data) == 0
    assert len(curves.grad_norm_chart(pd.DataFrame()).data) == 0


def test_accuracy_curve_draws_train_and_validation_per_epoch():
    fig = curves.accuracy_curve(steps(1000), epochs(5))
    assert [t.name for t in fig.data] == ["train (per epoch)", "validation (per epoch)"]
    assert list(fig.data[1].y) == list(epochs(5)["val_accuracy"])
    assert fig.layout.yaxis.tickformat == ".0%"


def test_accuracy_curve_switches_to_r2_for_regression():
    df = pd.DataFrame({"epoch": [1, 2], "step": [10, 20], "train_r2": [0.1, 0.5], "val_r2": [0.0, 0.4]})
    fig = curves.accuracy_curve(None, df)
    assert fig.layout.title.text == "R²" and list(fig.data[1].y) == [0.0, 0.4]


def test_grad_norm_chart_has_one_line_per_layer_in_model_order_on_a_log_axis():
    grad = pd.DataFrame(
        {
            "step": np.repeat(np.arange(1000), 3),
            "layer": ["conv2d1", "linear1", "linear2"] * 1000,
            "grad_norm": np.tile([1e-4, 1e-2, 1.0], 1000),
        }
    )
    fig = curves.grad_norm_chart(grad)
    assert [t.name for t in fig.data] == ["conv2d1", "linear1", "linear2"]
    assert sum(len(t.x) for t in fig.data) <= style.MAX_POINTS
    assert fig.layout.yaxis.type == "log"


def test_grad_norm_chart_marks_points_when_a_layer_has_few_so_a_single_one_shows():
    one_each = pd.DataFrame({"step": [1, 1], "layer": ["linear1", "linear2"], "grad_norm": [0.5, 0.1]})
    assert all("markers" in t.mode for t in curves.grad_norm_chart(one_each).data)  # a lone line is invisible
    many = pd.DataFrame({"step": np.arange(500), "layer": "linear1", "grad_norm": 0.5})
    assert curves.grad_norm_chart(many).data[0].mode == "lines"


def test_grad_norm_axis_labels_more_than_powers_of_ten_when_the_norms_span_less_than_two():
    narrow = pd.DataFrame({"step": [1, 2], "layer": "linear1", "grad_norm": [0.2, 0.9]})
    wide = pd.DataFrame({"step": [1, 2], "layer": "linear1", "grad_norm": [1e-6, 0.9]})
    axis = curves.grad_norm_chart(narrow).layout.yaxis
    shown = [text for value, text in zip(axis.tickvals, axis.ticktext, strict=True) if 0.2 <= value <= 0.9]
    assert shown == ["0.2", "0.5"]  # plain numbers, not "5" under "1"
    assert curves.grad_norm_chart(wide).layout.yaxis.dtick == 1
