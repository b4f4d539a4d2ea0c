"""Transfer learning: a saved model's weights go into the layers of a new model whose names and shapes fit,
the others start fresh, and a run can start from them (dlcore.transfer, start_training(start_weights=))."""

from __future__ import annotations

import pytest
import torch
from hypothesis import HealthCheck, given, settings

import dlcore
import dlcore.data
from dlcore import DataError, TrainConfig, TrainError, load_matching_weights
from tests.spec_strategies import valid_specs


def digits_net(outputs: int, head: str = "output", *, frozen: bool = False) -> dict:
    features = {"type": "Linear", "out_features": 16, "name": "features"}
    if frozen:
        features["trainable"] = False
    return {
        "input_shape": [1, 8, 8],
        "layers": [
            {"type": "Flatten"},
            features,
            {"type": "ReLU"},
            {"type": "Linear", "out_features": outputs, "name": head},
        ],
    }


def test_layers_whose_names_and_shapes_fit_are_loaded_and_the_others_kept_fresh():
    saved = dlcore.build_model(digits_net(10)).state_dict()
    model = dlcore.build_model(digits_net(5))
    fresh_output = model.output.weight.clone()
    report = load_matching_weights(model, saved)
    assert report.loaded == ("features",)
    assert report.fresh == (("output", "saved weight 10×16, this model needs 5×16"),)
    assert torch.equal(model.features.weight, saved["features.weight"])
    assert torch.equal(model.output.weight, fresh_output)
    assert report.sentence == (
        "Loaded the saved weights of 1 layer (features); kept 1 fresh: output (saved weight 10×16, this "
        "model needs 5×16)."
    )


def test_a_layer_missing_from_the_saved_model_starts_fresh_and_unused_saved_layers_are_listed():
    saved = dlcore.build_model(digits_net(5, head="old_head")).state_dict()
    report = load_matching_weights(dlcore.build_model(digits_net(5, head="new_head")), saved)
    assert report.loaded == ("features",)
    assert report.fresh == (("new_head", "not in the saved model"),)
    assert report.unused == ("old_head",)
    assert "No layer" in load_matching_weights(dlcore.build_model(digits_net(5)), {}).sentence


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs(), valid_specs())
def test_loading_any_models_weights_into_any_other_takes_exactly_the_layers_that_fit(source, target):
    saved = dlcore.build_model(source).state_dict()
    model = dlcore.build_model(target)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    report = load_matching_weights(model, saved)
    after = model.state_dict()
    for key, value in after.items():
        layer = key.rpartition(".")[0] or "model"
        expected = saved[key] if layer in report.loaded else before[key]
        assert torch.equal(value, expected.to(value.dtype)), key
    assert set(report.loaded) | {layer for layer, _ in report.fresh} == {
        k.rpartition(".")[0] or "model" for k in after
    }


def test_what_is_not_a_state_dict_is_refused_with_a_sentence():
    with pytest.raises(DataError, match="not a model's weights"):
        load_matching_weights(dlcore.build_model(digits_net(5)), {"features.weight": "code"})


FIVE_TO_NINE = {"classes": ["5", "6", "7", "8", "9"], "per_class": 20}


@pytest.fixture(scope="module")
def pretrained() -> bytes:
    """A network trained on the digits 0 to 4, saved as a checkpoint."""
    job = dlcore.start_training(
        digits_net(5), dlcore.data.load("digits", classes=list("01234")), TrainConfig(epochs=3, device="cpu")
    )
    assert job.wait(60) and job.status == "finished", job.error
    return dlcore.checkpoint_bytes(job.setup, job.snapshots())


def test_a_run_starts_from_a_checkpoints_weights_and_says_which_layers_took_them(pretrained):
    saved = dlcore.load_checkpoint(pretrained)[1].state_dict()
    job = dlcore.start_training(
        digits_net(5, head="head"),
        dlcore.data.load("digits", **FIVE_TO_NINE),
        TrainConfig(epochs=1, device="cpu"),
        paused=True,
        start_weights=pretrained,
    )
    try:
        assert job.transfer.loaded == ("features",)
        assert job.transfer.fresh == (("head", "not in the saved model"),)
        assert torch.equal(job.snapshot().state_dict()["features.weight"], saved["features.weight"])
        job.stop()
        assert job.wait(30)
        job.reset()  # starts over from the saved weights again, not from random ones
        assert torch.equal(job.snapshot().state_dict()["features.weight"], saved["features.weight"])
    finally:
        job.stop()
        job.wait(30)


def test_a_frozen_pretrained_layer_keeps_its_weights_while_the_new_head_learns(pretrained):
    saved = dlcore.load_checkpoint(pretrained)[1].state_dict()
    job = dlcore.start_training(
        digits_net(5, frozen=True),
        dlcore.data.load("digits", **FIVE_TO_NINE),
        TrainConfig(epochs=3, device="cpu"),
        start_weights=saved,  # a state dict works as well as a checkpoint
    )
    assert job.wait(60) and job.status == "finished", job.error
    trained = job.snapshot().state_dict()
    assert torch.equal(trained["features.weight"], saved["features.weight"])
    assert not torch.equal(trained["output.weight"], saved["output.weight"])


def test_continuing_a_run_and_starting_from_its_weights_are_not_asked_for_together(pretrained):
    with pytest.raises(TrainError, match="not both"):
        dlcore.start_training(
            digits_net(5),
            dlcore.data.load("digits", **FIVE_TO_NINE),
            TrainConfig(device="cpu"),
            resume_from=pretrained,
            start_weights=pretrained,
        )
