"""Presets: every file in assets/presets loads, builds, runs and round-trips."""

import json

import pytest
import torch

import dlcore
from dlcore.presets import PRESET_DIR

EXPECTED = {
    "digits_mlp",  # the model every new tab starts with
    "perceptron",
    "mlp",
    "lenet5",
    "tiny_vgg",
    "small_resnet",
    "lstm_sequence",
    "gru_sequence",
    "rnn_sequence",
    "transformer_encoder",
    "autoencoder",
    "gan_generator",
    "gan_discriminator",
    "diffusion_denoiser",
    "cnn1d_sequence",
}
PRESETS = dlcore.presets()


def test_every_promised_preset_is_there():
    assert set(PRESETS) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_builds_runs_and_round_trips(name):
    spec = PRESETS[name]
    assert spec.name and len(spec.description) > 30
    assert dlcore.ModelSpec.from_json(spec.to_json()) == spec
    assert json.loads((PRESET_DIR / f"{name}.json").read_text()) == spec.to_dict()
    model = dlcore.build_model(spec).eval()
    with torch.no_grad():
        out = model(dlcore.example_input(spec, batch_size=2))
    assert tuple(out.shape) == (2, *dlcore.output_shape(spec))


# How each preset meets its suggested dataset: "classify" (inputs fit, loss checks pass), "reconstruct"
# (output has the data's shape), "generate" (output is a data point), "denoise" (point + noise level in).
FIT = {
    "digits_mlp": "classify",
    "perceptron": "classify",
    "mlp": "classify",
    "lenet5": "classify",
    "tiny_vgg": "classify",
    "small_resnet": "classify",
    "lstm_sequence": "classify",
    "rnn_sequence": "classify",
    "cnn1d_sequence": "classify",
    "transformer_encoder": "classify",
    "gru_sequence": "regress",
    "autoencoder": "reconstruct",
    "gan_generator": "generate",
    "gan_discriminator": "discriminate",
    "diffusion_denoiser": "denoise",
}


@pytest.fixture(scope="module")
def datasets():
    return {name: dlcore.data.load(name) for name in {spec.dataset for spec in PRESETS.values()}}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_suggested_dataset_fits_the_model(name, datasets):
    spec = PRESETS[name]
    ds = datasets[spec.dataset]
    fit, out = FIT[name], dlcore.output_shape(spec)
    if fit in ("classify", "regress", "reconstruct", "discriminate"):
        assert spec.input_shape == ds.input_shape
    if fit == "classify":
        dlcore.check_compatibility(spec, ds.task, ds.num_classes, "cross_entropy", ds.target_shape or None)
    elif fit == "regress":
        dlcore.check_compatibility(spec, ds.task, None, "mse", ds.target_shape)
    elif fit == "discriminate":
        dlcore.check_compatibility(spec, "binary", 2, "bce_with_logits")
    elif fit == "denoise":
        assert spec.input_shape == (ds.input_shape[0] + 1,) and out == ds.input_shape
    else:  # reconstruct, generate
        assert out == ds.input_shape


def test_presets_are_fresh_copies():
    first = dlcore.presets()["mlp"]
    first.layers.clear()
    assert dlcore.presets()["mlp"].layers


def test_gan_generator_feeds_the_discriminator():
    assert dlcore.output_shape(PRESETS["gan_generator"]) == PRESETS["gan_discriminator"].input_shape
