"""Several runs' curves on one chart: a line per run that logged the metric, validation scores at the
epochs they were measured (not repeated on every step between)."""

from __future__ import annotations

import pandas as pd

from dlcore import plots


def rows(steps, **columns):
    return pd.DataFrame({"step": steps, **columns})


def test_a_line_per_run_that_logged_the_metric_in_the_order_given():
    fig = plots.runs_overlay(
        {
            "#2 fast": rows([1, 2, 3], train_loss=[3.0, 2.0, 1.0]),
            "#1 slow": rows([1, 2], train_loss=[3.0, 2.5]),
            "#3 other": rows([1], val_accuracy=[0.5]),
        },
        "train_loss",
    )
    assert [trace.name for trace in fig.data] == ["#2 fast", "#1 slow"]
    assert list(fig.data[0].y) == [3.0, 2.0, 1.0]


def test_a_validation_score_shows_once_per_epoch_it_was_measured():
    steps = rows([1, 2, 3, 4, 5, 6], val_loss=[None, 2.0, 2.0, 2.0, 1.5, 1.5])
    fig = plots.runs_overlay({"#1": steps}, "val_loss")
    assert list(fig.data[0].x) == [2, 5, 6] and list(fig.data[0].y) == [2.0, 1.5, 1.5]


def test_no_runs_give_an_empty_chart_titled_by_its_metric():
    fig = plots.runs_overlay({}, "val_accuracy")
    assert len(fig.data) == 0 and fig.layout.title.text == "Validation accuracy"
