"""Metrics logs stay bounded and truthful however long a job runs; final scores are right."""

import math

import numpy as np
import pandas as pd
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore.metrics import STEP_COLUMNS, LayerNorms, ReluProbe, SeriesLog, classification_report


def step_rows(first: int, n: int, loss=None) -> np.ndarray:
    steps = np.arange(first, first + n)
    losses = np.ones(n) / steps if loss is None else loss
    return np.column_stack([steps, steps // 100, losses, np.full(n, 0.01), np.full(n, 500.0), steps / 1000])


def test_a_hundred_thousand_steps_stay_bounded_and_keep_the_whole_curve():
    log = SeriesLog(STEP_COLUMNS, capacity=1000)
    for first in range(1, 100_001, 250):  # fed as a job does: a chunk every metric interval
        log.append(step_rows(first, 250))
    frame, cursor = log.since(None)
    assert len(frame) <= 1000
    assert frame["step"].is_monotonic_increasing
    assert frame["step"].iloc[0] <= 128 and frame["step"].iloc[-1] > 100_000 - log.stride
    assert cursor == frame["step"].iloc[-1]  # step k is the k-th row here, so cursors line up with steps
    # Rows are averages of equal stretches: the curve keeps its shape (1/step falls all along).
    assert frame["train_loss"].is_monotonic_decreasing
    assert (frame["count"] == log.stride).mean() > 0.99  # only odd rows left by a halving differ


def test_since_returns_only_rows_added_after_the_cursor():
    log = SeriesLog(STEP_COLUMNS, capacity=100)
    log.append(step_rows(1, 30))
    first, cursor = log.since(None)
    log.append(step_rows(31, 5))
    new, cursor2 = log.since(cursor)
    assert new["step"].tolist() == [31, 32, 33, 34, 35]
    assert log.since(cursor2)[0].empty
    assert cursor2 == 35


def test_position_columns_keep_the_latest_value_when_rows_merge():
    log = SeriesLog(STEP_COLUMNS, capacity=2)
    log.append(step_rows(1, 4, loss=np.array([1.0, 3.0, 5.0, 7.0])))
    frame, _ = log.since(None)
    assert frame["step"].tolist() == [2, 4]
    assert frame["train_loss"].tolist() == [2.0, 6.0]
    assert frame["elapsed_s"].tolist() == [0.002, 0.004]


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=40),
    capacity=st.integers(min_value=2, max_value=64),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_downsampling_invariants(chunks, capacity, seed):
    rng = np.random.default_rng(seed)
    log = SeriesLog(STEP_COLUMNS, capacity=capacity)
    fed, step = [], 1
    for n in chunks:
        rows = step_rows(step, n, loss=rng.uniform(0, 10, n))
        rows[:, 3] = rng.uniform(0.001, 0.1, n)
        rows[rng.random(n) < 0.1, 3] = np.nan  # some cells unmeasured: they must carry no weight
        log.append(rows)
        fed.append(rows)
        step += n
    every = np.concatenate(fed)
    frame, cursor = log.since(None)
    pending = log._pending
    # Bounded, ordered, and nothing lost but a partial bin shorter than the stride.
    assert len(frame) <= capacity
    assert frame["step"].is_monotonic_increasing and frame["step"].is_unique
    assert len(pending) < log.stride
    assert frame["count"].sum() + len(pending) == len(every)
    # Count-weighted means over what is shown (plus the waiting rows) equal the mean of everything fed.
    values = np.concatenate([frame["train_loss"].to_numpy(), pending[:, 2]])
    weights = np.concatenate([frame["count"].to_numpy(), np.ones(len(pending))])
    assert math.isclose(np.average(values, weights=weights), every[:, 2].mean(), rel_tol=1e-9)
    # A column with unmeasured (NaN) cells averages only what was measured: values stay in range.
    shown_lr = frame["lr"].dropna()
    if shown_lr.size:
        assert (
            (shown_lr >= np.nanmin(every[:, 3]) - 1e-12) & (shown_lr <= np.nanmax(every[:, 3]) + 1e-12)
        ).all()
    # The cursor of the newest row is the number of source rows it reaches.
    assert cursor == frame["count"].sum()


@settings(max_examples=40, deadline=None)
@given(before=st.integers(0, 300), after=st.integers(1, 300), capacity=st.integers(2, 32))
def test_a_widened_log_keeps_its_rows_and_averages_the_new_column_over_what_was_measured(
    before, after, capacity
):
    # A recipe's score seen first at some epoch gets a column then: empty before, exact from there on.
    log = SeriesLog(STEP_COLUMNS, capacity=capacity)
    log.append(step_rows(1, before, loss=np.ones(before)))
    log.widen(["val_agreement", "train_loss"])  # a column already there is not added twice
    assert log.columns == (*STEP_COLUMNS, "val_agreement")
    rows = np.column_stack([step_rows(before + 1, after, loss=np.full(after, 3.0)), np.full(after, 0.5)])
    log.append(rows)
    frame, _ = log.since(None)
    pending = log._pending
    assert frame["count"].sum() + len(pending) == before + after
    losses = np.concatenate([frame["train_loss"].to_numpy(), pending[:, 2]])
    weights = np.concatenate([frame["count"].to_numpy(), np.ones(len(pending))])
    assert math.isclose(np.average(losses, weights=weights), (before + 3 * after) / (before + after))
    agreement = np.concatenate([frame["val_agreement"].to_numpy(), pending[:, -1]])
    measured = agreement[~np.isnan(agreement)]
    assert len(measured) and np.allclose(measured, 0.5)  # never dragged towards the empty rows


def test_classification_report_known_answer():
    target = torch.tensor([0, 0, 0, 1, 1, 2])
    pred = torch.tensor([0, 0, 1, 1, 1, 0])
    report = classification_report(pred, target, ["a", "b", "c"])
    assert report["confusion_matrix"] == [[2, 1, 0], [0, 2, 0], [1, 0, 0]]
    assert math.isclose(report["test_accuracy"], 4 / 6)
    per = report["per_class"].set_index("class")
    assert math.isclose(per.loc["a", "precision"], 2 / 3) and math.isclose(per.loc["a", "recall"], 2 / 3)
    assert math.isclose(per.loc["b", "precision"], 2 / 3) and per.loc["b", "recall"] == 1.0
    assert per.loc["c", "f1"] == 0.0 and per.loc["c", "support"] == 1
    assert isinstance(report["per_class"], pd.DataFrame)


def test_layer_norms_match_a_direct_computation():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model(torch.randn(5, 3)).sum().backward()
    norms = LayerNorms(model)
    grad, weight = norms.measure()
    assert norms.names == ["0", "2"]
    expected = [
        math.sqrt(sum(float(p.grad.norm()) ** 2 for p in m.parameters())) for m in (model[0], model[2])
    ]
    assert np.allclose(grad, expected, rtol=1e-5)
    first = model[0]
    assert np.allclose(
        weight[0],
        math.sqrt(float(first.weight.detach().norm()) ** 2 + float(first.bias.detach().norm()) ** 2),
    )


def test_relu_probe_counts_units_that_never_fire():
    layer = nn.Linear(2, 4)
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.copy_(torch.tensor([1.0, -1.0, -1.0, 1.0]))  # units 2 and 3 are always off
    model = nn.Sequential(layer, nn.ReLU())
    assert ReluProbe(model).measure(torch.randn(16, 2)) == {"1": 0.5}
    assert model.training  # the probe restores the mode


@settings(max_examples=50, deadline=None)
@given(
    k=st.integers(min_value=2, max_value=6),
    pairs=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=200),
)
def test_classification_report_agrees_with_scikit_learn(k, pairs):
    from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

    target = torch.tensor([t % k for t, _ in pairs])
    pred = torch.tensor([p % k for _, p in pairs])
    report = classification_report(pred, target, [f"c{i}" for i in range(k)])
    labels = list(range(k))
    assert report["confusion_matrix"] == confusion_matrix(target, pred, labels=labels).tolist()
    assert math.isclose(report["test_accuracy"], accuracy_score(target, pred))
    precision, recall, f1, support = precision_recall_fscore_support(
        target, pred, labels=labels, zero_division=0
    )
    per = report["per_class"]
    assert np.allclose(per["precision"], precision) and np.allclose(per["recall"], recall)
    assert np.allclose(per["f1"], f1) and per["support"].tolist() == support.tolist()


def test_speed_is_averaged_over_seconds_when_a_run_trains_in_bursts(monkeypatch):
    # A run taking turns with nine others computes for 0.05 s, then waits 0.45 s: its speed is the
    # average (what its ETA needs), not the rate inside a burst nor the crawl across a wait.
    import dlcore.metrics as metrics
    from dlcore.training import Recipe

    clock = [100.0]
    monkeypatch.setattr(metrics.time, "perf_counter", lambda: clock[0])
    model = nn.Linear(2, 2)
    recorder = metrics.Recorder(interval_s=0.02)
    recorder.on_fit_start(
        {
            "model": model,
            "recipe": Recipe(),  # logs "loss" only
            "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "train_x": torch.zeros(4, 2),
            "step": 0,
            "epoch": 0,
            "steps_per_epoch": 10,
        }
    )
    step, rates = 0, []
    for _ in range(12):  # 6 s: 12 turns of 10 steps of 32 samples
        for _ in range(10):
            clock[0] += 0.005
            step += 1
            recorder.on_step_end(step, {"loss": torch.tensor(1.0), "epoch": 0, "batch_size": 32})
            rates.append(recorder.samples_per_s)
        clock[0] += 0.45
    average = 12 * 10 * 32 / 6.0  # 640 samples/s
    assert all(0.7 * average < rate < 1.3 * average for rate in rates[-60:])
