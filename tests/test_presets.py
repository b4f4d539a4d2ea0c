"""Presets: every file in assets/presets loads, builds, runs, round-trips and learns with its settings."""

import json

import pytest
import torch

import dlcore
from dlcore.presets import PRESET_DIR, TRAINING_KEYS, team_specs

EXPECTED = {
    "digits_mlp",  # the model every new tab starts with
    "perceptron",
    "mlp",
    "lenet5",
    "shapes_cnn",  # the cheating-model lesson's CNN
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
    "vae_digits",
    "transformer_lm",
}
PRESETS = dlcore.presets()


def test_every_promised_preset_is_there():
    assert set(PRESETS) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_builds_runs_and_round_trips(name):
    spec = PRESETS[name]
    assert spec.name and len(spec.description) > 30
    assert dlcore.ModelSpec.from_json(spec.to_json()) == spec
    on_file = json.loads((PRESET_DIR / f"{name}.json").read_text())
    assert {k: v for k, v in on_file.items() if k not in TRAINING_KEYS} == spec.to_dict()
    model = dlcore.build_model(spec).eval()
    with torch.no_grad():
        out = model(dlcore.example_input(spec, batch_size=2))
    assert tuple(out.shape) == (2, *dlcore.output_shape(spec))


# How each preset meets its suggested dataset: "classify" (inputs fit, loss checks pass), "reconstruct"
# (output has the data's shape), "generate" (output is a data point), "denoise" (point + noise level in),
# "next_token" (question and answer in, a score per token at every position out).
FIT = {
    "digits_mlp": "classify",
    "perceptron": "classify",
    "mlp": "classify",
    "lenet5": "classify",
    "tiny_vgg": "classify",
    "small_resnet": "classify",
    "shapes_cnn": "classify",
    "lstm_sequence": "classify",
    "rnn_sequence": "classify",
    "cnn1d_sequence": "classify",
    "transformer_encoder": "classify",
    "gru_sequence": "regress",
    "autoencoder": "reconstruct",
    "gan_generator": "generate",
    "gan_discriminator": "discriminate",
    "diffusion_denoiser": "denoise",
    "vae_digits": "reconstruct",
    "transformer_lm": "next_token",
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
    elif fit == "next_token":  # reads the question and the answer but its last token; scores every token
        length = ds.input_shape[0] + ds.target_shape[0] - 1
        assert spec.input_shape == (length,) and out == (length, ds.vocab_size)
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


# The GAN, diffusion, VAE and language-model presets train with their own recipe (two models taking
# turns; noise made afresh at every step); their learning is measured by the recipes' own tests.
WITH_RECIPE = {"gan_generator", "gan_discriminator", "diffusion_denoiser", "vae_digits", "transformer_lm"}
# What each preset must reach on its suggested dataset's test split with its own settings (chance in
# brackets). The sequence classifiers stop near 80 %: sine and triangle waves look alike in that noise.
GOOD_SCORE = {
    "digits_mlp": ("test_accuracy", 0.9),  # (0.1)
    "perceptron": ("test_accuracy", 0.95),  # (0.5)
    "mlp": ("test_accuracy", 0.9),  # (0.5)
    "lenet5": ("test_accuracy", 0.85),  # (0.25)
    "shapes_cnn": ("test_accuracy", 0.9),  # (0.25)
    "tiny_vgg": ("test_accuracy", 0.85),  # (0.25)
    "small_resnet": ("test_accuracy", 0.85),  # (0.25)
    "lstm_sequence": ("test_accuracy", 0.7),  # (0.25)
    "cnn1d_sequence": ("test_accuracy", 0.7),  # (0.25)
    "rnn_sequence": ("test_accuracy", 0.9),  # (0.5)
    "transformer_encoder": ("test_accuracy", 0.9),  # (0.1, per token)
    "gru_sequence": ("r2", 0.9),  # (0)
    "autoencoder": ("r2", 0.9),  # (0)
}
CATALOGUE = dlcore.preset_catalogue()


def test_every_preset_has_valid_settings_and_a_recipe_where_it_needs_one():
    assert set(GOOD_SCORE) | WITH_RECIPE == EXPECTED
    for key, preset in CATALOGUE.items():
        assert preset.key == key and preset.name == preset.spec.name
        assert {"optimizer", "lr", "epochs"} <= set(preset.settings)
        cfg = dlcore.TrainConfig.from_dict(preset.settings)  # every value valid
        if key in WITH_RECIPE:
            kind = dlcore.RECIPES.get(cfg.recipe)
            assert dlcore.data.info(preset.spec.dataset).task in kind.tasks
            kind.options(cfg.recipe_options)  # every option known and in range
        else:
            assert "loss" in preset.settings and "recipe" not in preset.settings


def test_a_team_presets_partners_name_it_back_and_pass_their_recipes_check(datasets):
    teams = {key: preset for key, preset in CATALOGUE.items() if preset.partners}
    assert set(teams) == {"gan_generator", "gan_discriminator"}
    for key, preset in teams.items():
        for role, partner_key in preset.partners.items():
            partner = CATALOGUE[partner_key]
            assert partner.role == role and partner.partners == {preset.role: key}
            assert partner.settings == preset.settings  # either one loaded trains the pair the same way
        team = team_specs(preset)
        assert team[preset.role] == preset.spec and set(team) == set(dlcore.RECIPES.get("gan").roles)
        cfg = dlcore.TrainConfig.from_dict(preset.settings)
        kind = dlcore.RECIPES.get(cfg.recipe)
        kind.check(team, datasets[preset.spec.dataset], cfg, kind.options(cfg.recipe_options))


def test_a_preset_that_trains_alone_has_no_team():
    assert team_specs(CATALOGUE["lenet5"]) == {} and team_specs(CATALOGUE["diffusion_denoiser"]) == {}


@pytest.mark.parametrize("key", sorted(GOOD_SCORE))
def test_every_trainable_preset_learns_its_dataset_with_its_own_settings(key, datasets):
    preset = CATALOGUE[key]
    job = dlcore.start_training(
        preset.spec, datasets[preset.spec.dataset], dlcore.TrainConfig(**preset.settings)
    )
    assert job.wait(300) and job.status == "finished", job.error
    metric, good = GOOD_SCORE[key]
    assert job.result[metric] >= good, f"{key}: {metric} {job.result[metric]:.3f} < {good}"


@pytest.mark.parametrize("seed", [0, 4])  # both start with the boundary the wrong way round
def test_the_perceptron_flips_a_start_that_is_all_wrong(seed, datasets):
    # With lr 0.001 Adam moves each weight at most ~0.001 a step: 60 steps could not turn these starts
    # round, and every test point stayed on the wrong side (0 %). The preset's own lr does.
    preset = CATALOGUE["perceptron"]
    cfg = dlcore.TrainConfig(**{**preset.settings, "seed": seed})
    job = dlcore.start_training(preset.spec, datasets["gaussian"], cfg)
    assert job.wait(60) and job.result["test_accuracy"] == 1.0
