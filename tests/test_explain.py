"""explain(): every Captum method through one code path, checked on hand-weighted models (known answers)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore.explain import (
    METHODS,
    ExplainError,
    attribution_mass,
    conv_layer_names,
    explain,
    randomisation_check,
    rank_correlation,
)


def linear_model(weights: list[list[float]]) -> nn.Module:
    """score_k(x) = W[k] · x, no bias: every method has a closed-form answer."""
    w = torch.tensor(weights)
    model = nn.Sequential(nn.Linear(w.shape[1], w.shape[0], bias=False))
    with torch.no_grad():
        model[0].weight.copy_(w)
    return model.eval()


def small_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential()
    model.add_module("conv2d1", nn.Conv2d(1, 4, 3, padding=1))
    model.add_module("relu1", nn.ReLU())
    model.add_module("maxpool2d1", nn.MaxPool2d(2))
    model.add_module("conv2d2", nn.Conv2d(4, 8, 3, padding=1))
    model.add_module("relu2", nn.ReLU())
    model.add_module("flatten1", nn.Flatten())
    model.add_module("linear1", nn.Linear(8 * 7 * 7, 3))
    return model.eval()


W = [[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]]
X = torch.tensor([[1.0, 2.0, -4.0]])


@pytest.mark.parametrize("method", METHODS.names())
def test_every_method_gives_an_input_shaped_non_zero_map_for_an_image(method):
    x = torch.randn(2, 1, 14, 14, generator=torch.Generator().manual_seed(1))
    attr = explain(method, small_cnn(), x, target=1)
    assert attr.shape == x.shape
    assert attr.abs().sum() > 0
    assert not attr.requires_grad


def test_saliency_of_a_linear_model_is_the_absolute_weight_row():
    attr = explain("saliency", linear_model(W), X, target=1)
    assert torch.allclose(attr[0], torch.tensor([0.0, 3.0, 2.0]))


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift", "occlusion"])
def test_baseline_methods_on_a_linear_model_give_weight_times_input(method):
    # With an all-zero baseline, each feature's share of W·x is exactly w_i * x_i.
    attr = explain(method, linear_model(W), X, target=0)
    assert torch.allclose(attr[0], torch.tensor([2.0, -2.0, -2.0]), atol=1e-4)


def test_guided_backprop_without_relus_is_the_plain_gradient():
    attr = explain("guided_backprop", linear_model(W), X, target=0)
    assert torch.allclose(attr[0], torch.tensor([2.0, -1.0, 0.5]))


def test_smoothgrad_of_a_linear_model_is_unchanged_by_the_noise():
    attr = explain("smoothgrad", linear_model(W), X, target=0)
    assert torch.allclose(attr[0], torch.tensor([2.0, 1.0, 0.5]), atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(-2, 2), min_size=4, max_size=4),
    st.lists(st.floats(-2, 2), min_size=4, max_size=4),
)
def test_integrated_gradients_add_up_to_the_score_difference(raw_x, raw_w):
    # Completeness: sum of IG attributions = f(x) - f(baseline), here through a ReLU (not linear).
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).eval()
    with torch.no_grad():
        model[0].weight[0].copy_(torch.tensor(raw_w))
    x = torch.tensor([raw_x])
    attr = explain("integrated_gradients", model, x, target=1)
    with torch.no_grad():
        expected = model(x)[0, 1] - model(torch.zeros_like(x))[0, 1]
    assert float(attr.sum()) == pytest.approx(float(expected), abs=0.05 + 0.02 * abs(float(expected)))


def test_grad_cam_lights_up_where_the_bright_pixel_is():
    # conv (1x1, weight 1) -> ReLU -> sum over the image -> class 0 = +sum, class 1 = -sum.
    model = nn.Sequential()
    model.add_module("conv2d1", nn.Conv2d(1, 1, 1, bias=False))
    model.add_module("relu1", nn.ReLU())
    model.add_module("pool", nn.AdaptiveAvgPool2d(1))
    model.add_module("flatten", nn.Flatten())
    model.add_module("linear1", nn.Linear(1, 2, bias=False))
    with torch.no_grad():
        model.conv2d1.weight.fill_(1.0)
        model.linear1.weight.copy_(torch.tensor([[1.0], [-1.0]]))
    x = torch.zeros(1, 1, 6, 6)
    x[0, 0, 4, 1] = 1.0
    cam = explain("grad_cam", model.eval(), x, target=0, layer="conv2d1")
    assert cam.shape == x.shape
    assert torch.nonzero(cam[0, 0] == cam.max()).tolist() == [[4, 1]]
    # For the class the bright pixel argues against, Grad-CAM (ReLU'd) shows nothing.
    assert explain("grad_cam", model, x, target=1, layer="conv2d1").abs().sum() == 0


def test_hirescam_keeps_the_gradient_where_it_is_and_grad_cam_spreads_it():
    # Two 1×1 channels copy the image; class 0 reads both channels at the top-left "mark" (weights 2 and
    # 1) and channel 1 at the "shape" pixel with weight -1; class 1 is the negation of class 0.
    model = nn.Sequential()
    model.add_module("conv2d1", nn.Conv2d(1, 2, 1, bias=False))
    model.add_module("relu1", nn.ReLU())
    model.add_module("flatten", nn.Flatten())
    model.add_module("linear1", nn.Linear(2 * 6 * 6, 2, bias=False))
    weights = torch.zeros(2, 6, 6)
    weights[0, 0, 0], weights[1, 0, 0], weights[1, 3, 3] = 2.0, 1.0, -1.0
    with torch.no_grad():
        model.conv2d1.weight.fill_(1.0)
        model.linear1.weight.copy_(torch.stack([weights.flatten(), -weights.flatten()]))
    x = torch.zeros(1, 1, 6, 6)
    x[0, 0, 0, 0] = x[0, 0, 3, 3] = 1.0  # the mark and the shape, equally bright
    # HiResCAM = ReLU(sum over channels of gradient × activation), position by position.
    expected = torch.zeros(1, 1, 6, 6)
    expected[0, 0, 0, 0] = 2.0 * 1.0 + 1.0 * 1.0  # (3, 3) gets -1 × 1: cut by the ReLU
    assert torch.allclose(explain("hirescam", model.eval(), x, target=0, layer="conv2d1"), expected)
    expected = torch.zeros(1, 1, 6, 6)
    expected[0, 0, 3, 3] = 1.0
    assert torch.allclose(explain("hirescam", model, x, target=1, layer="conv2d1"), expected)
    # Grad-CAM gives channel 0 one weight (its mean gradient): both bright pixels light up the same.
    cam = explain("grad_cam", model, x, target=0, layer="conv2d1")
    assert cam[0, 0, 0, 0] == pytest.approx(float(cam[0, 0, 3, 3])) and cam[0, 0, 0, 0] > 0


def test_token_inputs_get_one_attribution_per_token():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Embedding(20, 4), nn.Flatten(), nn.Linear(5 * 4, 3)).eval()
    tokens = torch.randint(0, 20, (2, 5))
    for method in ("saliency", "integrated_gradients", "deeplift", "occlusion"):
        attr = explain(method, model, tokens, target=2)
        assert attr.shape == tokens.shape
        assert attr.abs().sum() > 0


def test_sequence_inputs_keep_their_shape():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(6 * 2, 3)).eval()
    x = torch.randn(1, 6, 2)
    attr = explain("occlusion", model, x, target=0)
    assert attr.shape == x.shape
    # Occlusion hides one whole time step at a time: both features of a step get the same share.
    assert torch.allclose(attr[0, :, 0], attr[0, :, 1])


@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "deeplift", "occlusion"])
def test_a_one_logit_binary_classifier_is_explained_for_both_classes(method):
    model = linear_model([[2.0, -1.0, 0.5]])  # one logit: class 1 when positive
    for_one = explain(method, model, X, target=1)
    for_zero = explain(method, model, X, target=0)
    assert for_one.shape == X.shape and for_one.abs().sum() > 0
    if method != "saliency":  # saliency is a magnitude: the same for both
        assert torch.allclose(for_zero, -for_one, atol=1e-5)


def test_unknown_method_suggests_the_right_name():
    with pytest.raises(ExplainError, match="did you mean 'saliency'"):
        explain("salience", linear_model(W), X, target=0)


@pytest.mark.parametrize("method", ["grad_cam", "hirescam"])
def test_a_layer_map_without_a_convolution_says_so(method):
    with pytest.raises(ExplainError, match=f"{METHODS.get(method).title} needs a Conv2d"):
        explain(method, linear_model(W), X, target=0)


@pytest.mark.parametrize("method", ["grad_cam", "hirescam"])
def test_a_layer_map_on_a_layer_that_is_not_a_convolution_lists_the_choices(method):
    with pytest.raises(ExplainError, match="conv2d1, conv2d2"):
        explain(method, small_cnn(), torch.randn(1, 1, 14, 14), target=0, layer="linear1")


def test_a_target_beyond_the_outputs_is_a_readable_error():
    with pytest.raises(ExplainError, match="Saliency"):
        explain("saliency", linear_model(W), X, target=7)


def test_conv_layer_names_are_in_order():
    assert conv_layer_names(small_cnn()) == ["conv2d1", "conv2d2"]


def test_explain_leaves_a_training_model_in_training_mode():
    model = small_cnn().train()
    explain("saliency", model, torch.randn(1, 1, 14, 14), target=0)
    assert model.training


def test_randomisation_changes_gradient_maps_and_keeps_the_original_model():
    model = small_cnn()
    before = [p.clone() for p in model.parameters()]
    x = torch.randn(1, 1, 14, 14, generator=torch.Generator().manual_seed(3))
    stages = randomisation_check("saliency", model, x, target=0)
    assert [s["layer"] for s in stages] == [None, "linear1", "conv2d2", "conv2d1"]
    assert stages[0]["similarity"] == 1.0
    assert stages[-1]["similarity"] < 0.9  # a fully random net gives a different saliency map
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_attribution_mass_counts_the_share_inside_the_region():
    attr = torch.zeros(1, 4, 4)
    attr[0, 0, 0] = 3.0
    attr[0, 3, 3] = -1.0
    region = torch.zeros(4, 4, dtype=torch.bool)
    region[0, 0] = True
    assert attribution_mass(attr, region) == pytest.approx(0.75)


def test_rank_correlation_is_one_for_the_same_ranking_and_symmetric():
    a = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert rank_correlation(a, a * 10) == pytest.approx(1.0)
    assert rank_correlation(a, a.flip(0)) == pytest.approx(-1.0)
