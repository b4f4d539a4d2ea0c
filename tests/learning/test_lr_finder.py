"""The learning-rate finder: on a problem whose good range is known (linear regression with SGD, where
the largest stable rate is 2 / the Hessian's largest eigenvalue) the suggestion falls inside it; a model
that diverges at once gets a message; the schedules' plans are the schedulers' own rates."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import dlcore
from dlcore.learning import lr_find, planned_lrs, schedule_curve

LINEAR = dlcore.ModelSpec.from_dict({"input_shape": [2], "layers": [{"type": "Linear", "out_features": 1}]})


@pytest.fixture(scope="module")
def plane():
    return dlcore.data.load("plane")


def good_range(ds) -> tuple[float, float]:
    """For MSE on a linear model, plain gradient descent is stable below 2 / λmax of the loss's Hessian
    (2/n XᵀX with a column of ones for the bias); a rate twenty times lower still converges within a
    few hundred steps. Both ends come from the data, not from the finder."""
    x = ds.train[0].double()
    features = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    largest = torch.linalg.eigvalsh(2 * features.T @ features / len(x)).max().item()
    return 2 / largest / 20, 2 / largest


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("batch_size", [16, 64])
def test_the_suggestion_falls_in_the_known_good_range(plane, seed, batch_size):
    cfg = dlcore.TrainConfig(optimizer="sgd", loss="mse", seed=seed, batch_size=batch_size)
    finding = lr_find(LINEAR, plane, cfg)
    low, high = good_range(plane)
    assert finding.problem is None
    assert low < finding.suggestion < high
    assert "a tenth of the learning rate at the lowest smoothed loss" == finding.rule


def test_the_sweep_stops_when_the_loss_explodes(plane):
    finding = lr_find(LINEAR, plane, dlcore.TrainConfig(optimizer="sgd", loss="mse"), steps=200)
    assert finding.stopped_early and len(finding.lrs) < 200
    assert finding.smoothed[-1] > 4 * np.nanmin(finding.smoothed[:-1])
    ratios = finding.lrs[1:] / finding.lrs[:-1]  # an exponential sweep: the same factor at every step
    np.testing.assert_allclose(ratios, ratios[0])


def test_a_model_that_diverges_at_once_gets_a_message_and_no_suggestion(plane):
    finding = lr_find(
        LINEAR, plane, dlcore.TrainConfig(optimizer="sgd", loss="mse"), start_lr=5.0, end_lr=1e3
    )
    assert finding.suggestion is None
    assert "the loss never went down" in finding.problem and "smaller learning rate" in finding.problem


def test_the_finder_trains_a_copy_not_the_model_a_job_holds(plane):
    cfg = dlcore.TrainConfig(optimizer="sgd", loss="mse", seed=4)
    first, second = lr_find(LINEAR, plane, cfg), lr_find(LINEAR, plane, cfg)
    np.testing.assert_array_equal(first.losses, second.losses)  # each sweep starts from the same weights


def test_a_model_that_does_not_fit_the_data_is_named_as_start_names_it():
    digits_mlp = dlcore.presets()["digits_mlp"].to_dict()
    digits_mlp["layers"][-1]["out_features"] = 2  # the right number of classes, the wrong input size
    with pytest.raises(dlcore.SpecError, match="does not fit"):
        lr_find(digits_mlp, dlcore.data.load("circle"))


def test_a_sweep_that_ends_below_where_it_starts_is_refused(plane):
    with pytest.raises(dlcore.learning.LearningError, match="start"):
        lr_find(LINEAR, plane, start_lr=1.0, end_lr=0.1)


@pytest.mark.parametrize("schedule", dlcore.SCHEDULES.names())
def test_each_schedules_plan_is_what_its_scheduler_sets(schedule):
    curve = schedule_curve(schedule, 0.1, 50)
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    scheduler = dlcore.make_scheduler(schedule, optimizer, 50)
    for lr in curve:
        assert lr == pytest.approx(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()


def test_the_plans_cover_the_runs_steps_with_the_chosen_schedules_options():
    cfg = dlcore.TrainConfig(lr=0.05, epochs=3, batch_size=10, schedule="step",
                             schedule_options={"step_fraction": 0.5, "gamma": 0.5})  # fmt: skip
    curves = planned_lrs(cfg, train_size=95)
    assert set(curves) == set(dlcore.SCHEDULES.names())
    assert len(curves["step"]) == 30  # 10 batches an epoch, 3 epochs
    assert curves["step"][0] == pytest.approx(0.05) and curves["step"][-1] == pytest.approx(0.025)
