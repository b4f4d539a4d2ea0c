"""A search's figures: the best-so-far line, the trials across the settings, what mattered."""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from dlcore import plots

STATES = st.sampled_from(["finished", "pruned", "running"])


def trials_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"trial": i + 1, "state": state, "score": score, "lr": lr, "optimizer": opt}
            for i, (state, score, lr, opt) in enumerate(rows)
        ]
    )


trial_rows = st.lists(
    st.tuples(
        STATES,
        st.one_of(st.none(), st.floats(0, 1)),
        st.floats(1e-5, 1.0),
        st.sampled_from(["adam", "sgd"]),
    ),
    min_size=1,
    max_size=30,
)


@given(trial_rows, st.booleans())
def test_best_so_far_only_improves_and_counts_finished_trials_only(rows, maximize):
    trials = trials_frame(rows)
    fig = plots.best_so_far(trials, maximize, "validation accuracy")
    lines = [trace for trace in fig.data if trace.name == "best so far"]
    finished = trials[(trials["state"] == "finished") & trials["score"].notna()]
    if finished.empty:
        assert not lines
        return
    best = list(lines[0].y)
    assert best == sorted(best, reverse=not maximize)
    assert lines[0].x[-1] == trials["trial"].max()  # it runs on to the latest trial
    assert best[-1] == (finished["score"].max() if maximize else finished["score"].min())


def test_parallel_coordinates_draws_log_settings_in_powers_of_ten_and_names_as_ticks():
    trials = trials_frame(
        [("finished", 0.9, 1e-3, "adam"), ("pruned", 0.2, 0.1, "sgd"), ("running", None, 0.5, "sgd")]
    )
    fig = plots.parallel_coordinates(
        trials, {"lr": "learning rate", "optimizer": "optimizer"}, {"lr"}, "accuracy"
    )
    lr, optimizer, score = fig.data[0].dimensions
    assert list(lr.values) == [-3, -1]  # the running trial has no score yet: no line
    assert lr.label == "learning rate (log)"
    assert "0.001" in lr.ticktext
    assert list(optimizer.ticktext) == ["adam", "sgd"]
    assert list(score.values) == [0.9, 0.2]


def test_importance_bars_put_the_setting_that_mattered_most_on_top():
    fig = plots.importance_bars({"lr": 0.7, "width": 0.1, "optimizer": 0.2})
    assert list(fig.data[0].y) == ["width", "optimizer", "lr"]
    assert math.isclose(sum(fig.data[0].x), 1.0)
