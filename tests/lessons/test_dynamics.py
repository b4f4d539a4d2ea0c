"""The measures of how a run trained (dlcore.lessons.dynamics): the loss curve's noise, saturation of
sigmoid/tanh outputs and the size of the weights, as claims and challenges read them."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore.errors import DlcoreError
from dlcore.lessons import MEASURES, result_of
from dlcore.lessons.dynamics import roughness, saturation
from dlcore.lessons.measures import measure

curves = st.lists(st.floats(0.01, 100, allow_nan=False), min_size=2, max_size=50)


def test_a_flat_curve_is_smooth_and_a_zigzag_is_rough():
    assert roughness(np.full(10, 0.7)) == 0.0
    smooth = roughness(np.linspace(1.0, 0.5, 100))
    zigzag = roughness(np.tile([1.0, 0.0], 50))
    assert smooth < 0.01 < 1.0 < zigzag


@given(curves, st.floats(0.001, 1000))
def test_roughness_does_not_depend_on_the_loss_scale(values, scale):
    assert math.isclose(roughness(np.array(values) * scale), roughness(np.array(values)), rel_tol=1e-6)


@given(curves)
def test_a_falling_curve_is_as_rough_as_its_total_fall_spread_over_its_steps(values):
    ordered = np.sort(values)[::-1]
    expected = (ordered[0] - ordered[-1]) / (len(ordered) - 1) / ordered.mean()
    assert math.isclose(roughness(ordered), expected, rel_tol=1e-9, abs_tol=1e-12)


def test_a_curve_of_one_step_cannot_be_measured():
    with pytest.raises(DlcoreError, match="too few steps"):
        roughness(np.array([0.5, math.nan]))


def scaled(activation: nn.Module, weight: float) -> nn.Module:
    """One input through a Linear of 3 neurons with weight `weight` each, then `activation`."""
    linear = nn.Linear(1, 3)
    with torch.no_grad():
        linear.weight.fill_(weight)
        linear.bias.zero_()
    return nn.Sequential(linear, activation)


INPUTS = torch.linspace(-1, 1, 21).unsqueeze(1)


@pytest.mark.parametrize("activation", [nn.Tanh(), nn.Sigmoid()])
def test_small_inputs_do_not_saturate_and_large_ones_do(activation):
    assert saturation(scaled(activation, 0.1), INPUTS) == 0.0
    # weight 100: every input but 0 lands far out on a flat end
    assert saturation(scaled(activation, 100.0), INPUTS) == pytest.approx(20 / 21)


def test_saturation_starts_where_the_slope_falls_below_a_tenth_of_the_steepest():
    # tanh'(x) = 1 - tanh(x)² is 0.1 at |x| = 1.818: inputs ±1 through weight 1.7 and 1.9 fall either side
    assert saturation(scaled(nn.Tanh(), 1.7), torch.tensor([[1.0], [-1.0]])) == 0.0
    assert saturation(scaled(nn.Tanh(), 1.9), torch.tensor([[1.0], [-1.0]])) == 1.0


def test_a_network_without_sigmoid_or_tanh_has_no_saturation_to_measure():
    with pytest.raises(DlcoreError, match="no sigmoid or tanh"):
        saturation(scaled(nn.ReLU(), 1.0), INPUTS)


@pytest.fixture(scope="module")
def run():
    spec = {
        "input_shape": [2],
        "layers": [
            {"type": "Linear", "out_features": 4},
            {"type": "Tanh"},
            {"type": "Linear", "out_features": 2},
        ],
    }
    dataset = dlcore.data.load("circle", val_fraction=0.0)
    job = dlcore.start_training(spec, dataset, dlcore.TrainConfig(epochs=2, batch_size=1, device="cpu"))
    job.wait()
    return result_of(job, dataset, {"data": "circle"}, "cross_entropy")


def test_the_measures_read_a_real_run(run):
    assert {"loss_noise", "saturation", "weight_norm"} <= set(MEASURES)
    steps = run.job.metrics()["train_loss"].to_numpy()
    assert measure("loss_noise", {"a": run}, "a") == pytest.approx(roughness(steps))
    assert 0.0 <= measure("saturation", {"a": run}, "a") <= 1.0


def test_the_weight_norm_counts_weights_not_biases(run):
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[2].weight.fill_(2.0)
        model[0].bias.fill_(5.0)
    known = type(run)(**{**run.__dict__, "model": model})
    assert measure("weight_norm", {"a": known}, "a") == pytest.approx(math.sqrt(4 * 1 + 2 * 4))


def test_a_run_without_its_job_has_no_loss_curve(run):
    copy = type(run)(**{**run.__dict__, "job": None})
    with pytest.raises(DlcoreError, match="step-by-step"):
        measure("loss_noise", {"a": copy}, "a")
