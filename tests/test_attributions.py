"""dlcore.attributions: the Explain page's numbers, on hand-weighted models with known answers."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore import attributions


def linear(weight: list[list[float]]) -> nn.Module:
    """A bias-free linear classifier with the given (classes, features) weights, in eval mode."""
    model = nn.Linear(len(weight[0]), len(weight), bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor(weight))
    return model.eval()


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 8 * 8, 3)
    ).eval()


def test_cam_methods_are_offered_only_for_a_model_with_a_convolution_layer():
    every = list(dlcore.EXPLAIN_METHODS.names())
    assert attributions.usable_methods(small_cnn()) == every
    assert attributions.usable_methods(linear([[1.0], [0.0]])) == [
        name for name in every if name not in ("grad_cam", "hirescam")
    ]


def test_top_class_is_the_most_probable_class_of_the_first_input_with_its_probability():
    model = linear([[1.0, 0.0], [0.0, 1.0]])
    x = torch.tensor([[0.0, 2.0], [5.0, 0.0]])  # the second input must not count
    predicted, probability = attributions.top_class(model, x)
    assert predicted == 1
    assert probability == pytest.approx(torch.softmax(torch.tensor([0.0, 2.0]), 0)[1].item())


def test_integrated_gradients_of_a_linear_model_is_input_times_weight():
    model = linear([[1.0, -2.0, 3.0], [0.5, 0.5, 0.5]])
    x = torch.tensor([[2.0, 1.0, -1.0]])
    maps, problems = attributions.attribute(model, x, 0, ["integrated_gradients", "saliency"])
    assert problems == []
    assert list(maps) == ["Integrated Gradients", "Saliency"]  # by title, in the order asked
    assert torch.allclose(maps["Integrated Gradients"], torch.tensor([2.0, -2.0, -3.0]), atol=1e-4)
    assert torch.allclose(maps["Saliency"], torch.tensor([1.0, 2.0, 3.0]))  # |gradient| = |weight|


def test_a_method_that_cannot_explain_the_model_says_why_and_the_others_still_draw():
    model = linear([[1.0, 0.0], [0.0, 1.0]])
    maps, problems = attributions.attribute(model, torch.ones(1, 2), 0, ["grad_cam", "saliency"])
    assert list(maps) == ["Saliency"]
    assert len(problems) == 1 and "Grad-CAM" in problems[0]


def test_a_table_row_gets_a_bar_per_named_feature():
    iris = dlcore.data.load("iris")
    maps = {"Saliency": torch.arange(4.0)}
    bars = attributions.as_bars(iris, iris.test[0][:1], maps)
    assert bars.labels == list(iris.feature_names) and bars.axis_title == "feature"
    assert bars.values is maps


def test_a_sequence_gets_a_bar_per_time_step_with_its_features_summed():
    sine = dlcore.data.load("sine")
    steps = sine.input_shape[0]
    maps = {"Saliency": torch.ones(steps, 3)}  # three features per step
    bars = attributions.as_bars(sine, sine.test[0][:1], maps)
    assert bars.labels == [f"t{i}" for i in range(steps)] and bars.axis_title == "time step"
    assert torch.equal(bars.values["Saliency"], torch.full((steps,), 3.0))


def test_a_token_sequence_gets_a_bar_per_position_named_by_its_token():
    add = dlcore.data.load("add", digits=2, num_sequences=500)
    x = torch.tensor([[3, 1, 4, 1, 5]])
    bars = attributions.as_bars(add, x, {"Saliency": torch.zeros(5)})
    assert bars.labels == ["0: 3", "1: 1", "2: 4", "3: 1", "4: 5"] and bars.axis_title == "position: token"


def test_the_sanity_check_explains_the_first_test_example_and_draws_an_image_as_the_data_looks():
    digits = dlcore.data.load("digits")
    x, raw = attributions.sanity_input(digits)
    assert torch.equal(x, digits.test[0][:1])
    assert torch.allclose(raw, digits.denormalize(x)[0])
    picked, picture = torch.zeros(1, 1, 8, 8), torch.ones(1, 8, 8)
    assert attributions.sanity_input(digits, picked, picture) == (picked, picture)  # the one given
    iris = dlcore.data.load("iris")
    assert attributions.sanity_input(iris)[1] is None  # a table row has no picture


def test_sanity_stages_start_from_the_trained_model_and_hold_one_input_each():
    model = small_cnn()
    stages = attributions.sanity_stages("saliency", model, torch.rand(2, 1, 8, 8))
    assert stages[0]["stage"] == "trained model" and stages[0]["similarity"] == 1.0
    assert [s["layer"] for s in stages[1:]] == ["3", "0"]  # the output layer first
    assert all(s["attribution"].shape == (1, 8, 8) for s in stages)


@given(st.floats(-1.0, 1.0))
def test_the_verdict_rounds_to_two_decimals_never_minus_zero_and_splits_at_one_half(similarity):
    final, depends = attributions.sanity_verdict([{"similarity": 1.0}, {"similarity": similarity}])
    assert final == round(similarity, 2) and f"{final:.2f}" != "-0.00"
    assert depends == (final < 0.5)


def test_cue_shares_are_the_share_of_each_maps_magnitude_on_the_cue():
    region = torch.zeros(2, 2, dtype=torch.bool)
    region[0, 0] = True
    maps = {"on the cue": torch.tensor([[[-3.0, 0.0], [0.0, 0.0]]]), "a quarter": torch.ones(1, 2, 2)}
    assert attributions.cue_shares(maps, region) == {"on the cue": 1.0, "a quarter": 0.25}
