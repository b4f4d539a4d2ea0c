"""Every recipe's optimizers (optimizer_for): they clip the gradients when the config says so, and they
leave a frozen layer's weights alone."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import dlcore
import dlcore.data
from dlcore import TrainConfig, TrainError
from dlcore.jobs.job import seeded_build
from dlcore.training.recipe import optimizer_for


def total_norm(model: nn.Module) -> float:
    return math.sqrt(sum(float(p.grad.pow(2).sum()) for p in model.parameters() if p.grad is not None))


@settings(max_examples=60, deadline=None)
@given(
    scale=st.floats(1e-4, 1e4),
    max_norm=st.floats(1e-3, 1e3),
    seed=st.integers(0, 1000),
)
def test_clipping_bounds_the_total_gradient_norm_of_a_step_and_keeps_short_ones(scale, max_norm, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    optimizer = optimizer_for(model, TrainConfig(optimizer="sgd", lr=1e-7, clip_grad_norm=max_norm))
    for p in model.parameters():
        p.grad = torch.randn_like(p) * scale
    before = [p.grad.clone() for p in model.parameters()]
    norm = total_norm(model)
    optimizer.step()  # clips first, then steps
    assert total_norm(model) <= max_norm * (1 + 1e-4)
    if norm <= max_norm:  # a gradient inside the cap is left as it is
        assert all(torch.equal(p.grad, b) for p, b in zip(model.parameters(), before, strict=True))
    else:  # a longer one keeps its direction
        ratio = [p.grad / b for p, b in zip(model.parameters(), before, strict=True)]
        assert torch.allclose(torch.cat([r.flatten() for r in ratio]), ratio[0].flatten()[0], rtol=1e-4)


def test_without_the_setting_gradients_are_not_clipped():
    model = nn.Linear(4, 2)
    optimizer = optimizer_for(model, TrainConfig(optimizer="sgd", lr=1e-7))
    for p in model.parameters():
        p.grad = torch.full_like(p, 100.0)
    optimizer.step()
    assert total_norm(model) == pytest.approx(100.0 * math.sqrt(10))


REGRESSION = {
    "input_shape": [2],
    "layers": [
        {"type": "Linear", "out_features": 16},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 1},
    ],
}


@pytest.mark.parametrize("clip, status", [(None, "failed"), (1.0, "finished")])
def test_a_huge_learning_rate_diverges_without_clipping_and_stays_finite_with_it(clip, status):
    config = TrainConfig(loss="mse", optimizer="sgd", lr=5.0, epochs=3, device="cpu", clip_grad_norm=clip)
    job = dlcore.start_training(REGRESSION, dlcore.data.load("plane"), config)
    assert job.wait(60)
    assert job.status == status, job.error
    if clip is not None:
        assert math.isfinite(job.result["test_loss"])
        assert all(torch.isfinite(p).all() for p in job.snapshot().parameters())


def test_the_optimizer_leaves_out_frozen_weights():
    model = dlcore.build_model(
        {
            "input_shape": [3],
            "layers": [
                {"type": "Linear", "out_features": 4, "trainable": False},
                {"type": "Linear", "out_features": 2},
            ],
        }
    )
    optimizer = optimizer_for(model, TrainConfig(weight_decay=0.1))
    stepped = {id(p) for group in optimizer.param_groups for p in group["params"]}
    assert stepped == {id(p) for p in model[1].parameters()}


def test_a_model_with_every_layer_frozen_is_refused_with_a_sentence():
    model = dlcore.build_model(
        {"input_shape": [3], "layers": [{"type": "Linear", "out_features": 2, "trainable": False}]}
    )
    with pytest.raises(TrainError, match="frozen") as info:
        optimizer_for(model, TrainConfig())
    assert info.value.field == "trainable"


def test_a_frozen_layers_weights_do_not_change_while_the_others_learn():
    spec = dlcore.presets()["digits_mlp"].to_dict()
    hidden = next(i for i, layer in enumerate(spec["layers"]) if layer["type"] == "Linear")
    spec["layers"][hidden]["trainable"] = False
    dataset = dlcore.data.load("digits")
    job = dlcore.start_training(spec, dataset, TrainConfig(epochs=2, device="cpu", lr=0.01))
    start = seeded_build({"model": spec}, 0)["model"].state_dict()  # the weights the job started from
    assert job.wait(60) and job.status == "finished", job.error
    end = job.snapshot().state_dict()
    frozen = [k for k in end if k.startswith("linear1.")]
    assert frozen and all(torch.equal(end[k], start[k]) for k in frozen)
    assert any(not torch.equal(end[k], start[k]) for k in end if k not in frozen)
