"""The adversarial-training recipe, alone and as a job: attacked batches make a brittle model robust."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import dlcore
from dlcore.adversarial import accuracy_under_attack
from dlcore.data.dataset import Split, split_dataset
from dlcore.errors import SpecError, TrainError
from dlcore.jobs import JobPool
from dlcore.training import make_recipe
from dlcore.training.adversarial import ADVERSARIAL

WEAK = 40
SPEC = dlcore.ModelSpec.from_dict(
    {"input_shape": [1 + WEAK], "layers": [{"type": "Linear", "out_features": 2}]}
)


@pytest.fixture(scope="module")
def weak_features():
    """One strong feature (±2) and 40 weak ones (±0.1 each), and a linear model that uses only the weak
    ones: accurate on clean data, but ε = 0.2 per feature flips all of them at once."""
    g = torch.Generator().manual_seed(0)
    n = 600
    y = torch.randint(0, 2, (n,), generator=g)
    sign = (y.float() * 2 - 1)[:, None]
    x = torch.cat(
        [
            sign * 2 + 0.5 * torch.randn(n, 1, generator=g),
            sign * 0.1 + 0.3 * torch.randn(n, WEAK, generator=g),
        ],
        1,
    )
    every = np.arange(n)
    ds = split_dataset(
        "weak features",
        "binary",
        "tabular",
        x,
        y,
        Split(every, every[:100], every[:100]),
        class_names=["-", "+"],
    )
    model = dlcore.build_model(SPEC)
    with torch.no_grad():
        model.linear1.weight.zero_()
        model.linear1.bias.zero_()
        model.linear1.weight[1, 1:] = 1.0
        model.linear1.weight[0, 1:] = -1.0
    return ds, model


def config(optimizer="adam", **options) -> dlcore.TrainConfig:
    return dlcore.TrainConfig(
        device="cpu",
        optimizer=optimizer,
        lr=1e-2,
        batch_size=64,
        epochs=30,
        recipe="adversarial",
        recipe_options=options,
    )


def start(ds, model, cfg, **kwargs):
    weights = dlcore.checkpoint_bytes(SPEC, model)
    return dlcore.start_training(SPEC, ds, cfg, resume_from=weights, pool=JobPool(), **kwargs)


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_adversarial_training_as_a_job_makes_a_model_that_relies_on_weak_features_robust(weak_features):
    ds, model = weak_features
    x, y = ds.train
    before = accuracy_under_attack(model, x, y, [0.0, 0.2])["accuracy"].tolist()
    job = start(ds, model, config(epsilon=0.2))  # 30 epochs of 10 batches: today's 300 steps
    assert job.wait(120) and job.status == "finished", job.error
    after = accuracy_under_attack(job.snapshot(), x, y, [0.0, 0.2])["accuracy"].tolist()
    assert before[0] > 0.9 and before[1] < 0.2
    assert after[1] > 0.85  # the attacked accuracy recovered: the curve is flatter
    assert torch.equal(model.linear1.weight[0, 1:], -torch.ones(WEAK))  # the original model is untouched
    epochs = job.epoch_metrics()
    assert epochs["val_robust_accuracy"].iloc[-1] > 0.85 > epochs["val_robust_accuracy"].iloc[0] - 0.5


def test_ordinary_training_does_not_make_it_robust(weak_features):
    # The honest control: the same job with only clean examples leaves the weak-feature shortcut in place.
    ds, model = weak_features
    job = start(ds, model, config(epsilon=0.2, clean_fraction=1.0))
    assert job.wait(120) and job.status == "finished", job.error
    x, y = ds.train
    assert accuracy_under_attack(job.snapshot(), x, y, [0.2])["accuracy"][0] < 0.5


def test_the_job_pauses_steps_and_stops(weak_features):
    ds, model = weak_features
    job = start(ds, model, config(attack="pgd"), paused=True)
    wait_for(lambda: job.status == "paused")
    assert torch.equal(job.snapshot().linear1.weight, model.linear1.weight)  # it starts from these weights
    step = job.progress()["step"]
    job.step()
    wait_for(lambda: job.progress()["step"] == step + 1 and job.status == "paused")
    assert len(job.metrics()) == 1
    job.resume()
    wait_for(lambda: job.progress()["step"] > step + 3)
    job.stop()
    assert job.wait(10) and job.status == "stopped"


def test_a_step_never_reads_a_value_on_the_host(weak_features, monkeypatch):
    ds, model = weak_features
    cfg = config(attack="pgd", optimizer="sgd")  # CPU Adam reads its step counter: see test_language_model
    recipe = make_recipe("adversarial", {"model": dlcore.build_model(SPEC)}, ds, cfg, torch.device("cpu"))
    x, y = recipe.data.train
    recipe.step(x[:64], y[:64])  # the first step warms the optimizer up outside the patch

    def refuse(*_):
        raise AssertionError("a training step read a tensor on the host")

    for name in ("item", "__float__", "__int__", "__bool__"):
        monkeypatch.setattr(torch.Tensor, name, refuse)
    logs = recipe.step(x[64:128], y[64:128])
    monkeypatch.undo()
    assert set(logs) == set(recipe.log_names)
    assert recipe.capturable


def test_a_regression_dataset_is_refused():
    ds = dlcore.data.load("sine")
    spec = dlcore.ModelSpec.from_dict(
        {"input_shape": list(ds.input_shape), "layers": [{"type": "Linear", "out_features": 1}]}
    )
    cfg = dlcore.TrainConfig(loss="mse", recipe="adversarial")
    with pytest.raises(TrainError, match="attacks a classifier") as info:
        ADVERSARIAL.check({"model": spec}, ds, cfg, ADVERSARIAL.options({}))
    assert info.value.field == "recipe"


def test_a_model_without_one_score_per_class_is_refused(weak_features):
    ds, _ = weak_features
    spec = dlcore.ModelSpec.from_dict(
        {"input_shape": [1 + WEAK], "layers": [{"type": "Linear", "out_features": 3}]}
    )
    with pytest.raises(SpecError, match=r"out_features \(layer 1\) to 2"):
        ADVERSARIAL.check({"model": spec}, ds, dlcore.TrainConfig(), ADVERSARIAL.options({}))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"epsilon": 2.0}, "epsilon"),
        ({"attack": "fgms"}, "attack"),
        ({"clean_fraction": -0.1}, "clean_fraction"),
    ],
)
def test_options_are_validated_naming_the_option(options, field):
    with pytest.raises(TrainError) as info:
        ADVERSARIAL.options(options)
    assert info.value.field == field
