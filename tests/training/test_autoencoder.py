"""Autoencoder and VAE recipes: they learn (a latent space that separates digits), their KL term, the split
of one spec at its "code" layer, today's autoencoder numbers, and the messages for models that cannot work."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import dlcore
import dlcore.data as data
from dlcore.errors import SpecError, TrainError
from dlcore.training import GLOBAL_RNG_LOCK, RECIPES, Callback, TrainConfig, fit, make_recipe
from dlcore.training.autoencoder import gaussian_kl, split_at_code
from dlcore.training.recipe import RecipeSpec, recipe_for

PRESET = json.loads((Path(__file__).resolve().parents[2] / "assets/presets/autoencoder.json").read_text())
AE_SPEC = dlcore.ModelSpec.from_dict({k: v for k, v in PRESET.items() if k != "train"})


def digits_vae_spec(hidden: int = 128, code: int = 4) -> dict:
    """An MLP VAE for 8x8 digits whose code layer holds a mean and a log-variance per latent number."""
    return {
        "input_shape": [1, 8, 8],
        "layers": [
            {"type": "Flatten"},
            {"type": "Linear", "out_features": hidden},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": hidden},
            {"type": "ReLU"},
            {"type": "Linear", "name": "code", "out_features": code},
            {"type": "Linear", "out_features": hidden},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": hidden},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 64},
            {"type": "Unflatten", "unflattened_size": [1, 8, 8]},
        ],
    }


def make(recipe: str, spec, ds, cfg: TrainConfig, **options):
    """The recipe on one spec split at its code layer, built as a job builds it (roles in order, one seed)."""
    cfg = replace(cfg, recipe=recipe, recipe_options=options)
    kind = recipe_for(recipe, ds.task)
    specs = split_at_code(spec, variational=recipe == "vae") if recipe != "supervised" else {"model": spec}
    kind.check(specs, ds, cfg, kind.options(options))
    with GLOBAL_RNG_LOCK:
        torch.manual_seed(cfg.seed)
        models = {role: dlcore.build_model(specs[role]) for role in kind.roles}
    return make_recipe(recipe, models, ds, cfg, torch.device("cpu"))


class Record(Callback):
    """Every step's logs and every epoch's scores, as numbers."""

    def __init__(self):
        self.steps, self.epochs = [], []

    def on_step_end(self, step, logs):
        self.steps.append({k: float(v) for k, v in logs.items()})

    def on_epoch_end(self, epoch, logs):
        self.epochs.append(logs)


def train(recipe, epochs: int, batch_size: int, seed: int) -> Record:
    record = Record()
    generator = torch.Generator().manual_seed(seed)
    fit(
        recipe,
        recipe.data,
        epochs=epochs,
        batch_size=batch_size,
        callbacks=[record],
        generator=generator,
        score_every_s=0,  # score every epoch, however long scoring takes: runs compare epoch by epoch
        score_budget=math.inf,
    )
    return record


def knn_accuracy(train_codes, train_labels, test_codes, test_labels, k: int = 5) -> float:
    """Share of test codes whose k nearest training codes vote for their own label."""
    nearest = torch.cdist(test_codes, train_codes).topk(k, largest=False).indices  # (N_test, k)
    votes = nn.functional.one_hot(train_labels[nearest], int(train_labels.max()) + 1).sum(dim=1)
    return float((votes.argmax(dim=1) == test_labels).float().mean())


# --- it learns ----------------------------------------------------------------------------------------------


@pytest.fixture
def one_thread():
    """Train on one CPU thread, as a job does: on a busy machine two threads wait on each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_vae_on_digits_rebuilds_them_and_its_2d_latent_separates_the_digits(one_thread):
    ds = data.load("digits", seed=0)
    cfg = TrainConfig(loss="mse", lr=5e-3, batch_size=64, seed=0)
    vae = make("vae", digits_vae_spec(code=4), ds, cfg)
    assert vae.latent_shape == (2,)
    before = vae.evaluate(*vae.data.test)["reconstruction"]
    # Measured: a 76 % fall and a 5-NN accuracy of 0.88 (0.84 and 0.88 with seeds 1 and 2).
    train(vae, epochs=40, batch_size=64, seed=0)
    after = vae.evaluate(*vae.data.test)["reconstruction"]
    # A decoder that ignored its code and drew the mean digit would fall by 47 % here (0.52 from 0.99).
    assert after <= 0.5 * before, (before, after)
    (x_train, y_train), (x_test, y_test) = ds.train, ds.test  # the recipe's targets are its inputs
    accuracy = knn_accuracy(vae.encode(x_train), y_train, vae.encode(x_test), y_test)
    assert accuracy >= 0.8, accuracy  # codes of a digit lie near codes of the same digit


def test_higher_beta_pulls_the_codes_closer_to_the_prior(one_thread):
    ds = data.load("ring", num_points=400, seed=0)
    cfg = TrainConfig(loss="mse", lr=1e-2, batch_size=64, seed=0)
    kl = {}
    for beta in (0.0, 5.0):
        vae = make("vae", two_number_vae(), ds, cfg, beta=beta)
        train(vae, epochs=15, batch_size=64, seed=0)
        kl[beta] = vae.evaluate(*vae.data.val)["kl"]
    assert kl[5.0] < 0.5 * kl[0.0], kl


def two_number_vae() -> dict:
    """The autoencoder preset with a code of 4: a 2-number latent for 2-D points."""
    spec = AE_SPEC.to_dict()
    spec["layers"][2]["out_features"] = 4
    return spec


# --- the KL term and beta -----------------------------------------------------------------------------------

finite = st.floats(-5, 5, allow_nan=False, width=32)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=8))
def test_kl_is_never_negative_and_zero_only_at_the_prior(pairs):
    mean, logvar = torch.tensor(pairs).T[:, None, :]  # one example, len(pairs) latent numbers
    kl = gaussian_kl(mean, logvar)
    assert kl.shape == (1,)
    assert float(kl) >= 0
    at_prior = all(m == 0 and v == 0 for m, v in pairs)
    assert (float(kl) == 0) == at_prior or float(kl) < 1e-6  # tiny values round to 0 in float32


def test_kl_is_zero_when_the_posterior_is_the_prior():
    assert float(gaussian_kl(torch.zeros(3, 2), torch.zeros(3, 2)).abs().sum()) == 0.0


@pytest.mark.parametrize("beta", [0.0, 0.5, 3.0])
def test_beta_weighs_the_kl_term_in_the_loss(beta):
    ds = data.load("ring", num_points=200, seed=0)
    vae = make("vae", two_number_vae(), ds, TrainConfig(loss="mse", seed=0), beta=beta)
    (logs,) = train(vae, epochs=1, batch_size=1000, seed=0).steps
    assert set(logs) == {"loss", "reconstruction", "kl", "epoch", "batch_size"}
    assert logs["kl"] > 0
    assert logs["loss"] == pytest.approx(logs["reconstruction"] + beta * logs["kl"], rel=1e-6)
    scores = vae.evaluate(*vae.data.val)
    assert scores["loss"] == pytest.approx(scores["reconstruction"] + beta * scores["kl"], rel=1e-6)


def test_the_vae_draws_its_noise_from_its_own_generator_so_a_seed_repeats_a_run():
    ds = data.load("ring", num_points=200, seed=0)

    def run(noise_seed: int) -> list[dict]:
        vae = make("vae", two_number_vae(), ds, TrainConfig(loss="mse", seed=0))
        vae.generator.manual_seed(noise_seed)  # the same weights and batches; the latents' noise differs
        return train(vae, epochs=2, batch_size=32, seed=0).steps

    assert run(0) == run(0)
    assert run(0) != run(1)


# --- one spec split at its code layer -----------------------------------------------------------------------

RESIDUAL_DECODER = {
    "input_shape": [1, 8, 8],
    "layers": [
        {"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "ReLU"},
        {"type": "Conv2d", "name": "code", "out_channels": 2, "kernel_size": 3, "stride": 2, "padding": 1},
        {
            "type": "Residual",
            "layers": [
                {"type": "Conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1},
                {"type": "ReLU"},
            ],
        },
        {"type": "Upsample", "scale_factor": 2},
        {"type": "Conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1},
    ],
}


@pytest.mark.parametrize("spec", [AE_SPEC.to_dict(), digits_vae_spec(), RESIDUAL_DECODER], ids=lambda s: "")
def test_encoder_then_decoder_is_the_whole_model(spec):
    torch.manual_seed(3)
    whole = dlcore.build_model(spec)
    halves = split_at_code(spec)
    torch.manual_seed(3)
    encoder, decoder = dlcore.build_model(halves["encoder"]), dlcore.build_model(halves["decoder"])
    # the same names and the same starting weights as the whole model ...
    assert {**encoder.state_dict(), **decoder.state_dict()}.keys() == whole.state_dict().keys()
    for name, value in whole.state_dict().items():
        half = encoder if name in encoder.state_dict() else decoder
        assert torch.equal(half.state_dict()[name], value), name
    # ... so the same output
    x = torch.randn(5, *halves["encoder"].input_shape)
    assert torch.equal(decoder(encoder(x)), whole(x))
    assert halves["encoder"].layers[-1].name == "code"


def test_a_split_vae_round_trips_as_a_recipe_spec():
    halves = split_at_code(digits_vae_spec(), variational=True)
    spec = RecipeSpec("vae", halves, {"beta": 0.5})
    again = RecipeSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert [layer.name for layer in again.models["decoder"].layers][0] == "linear4"


def test_a_vae_split_starts_its_decoder_from_half_the_code():
    halves = split_at_code(digits_vae_spec(code=6), variational=True)
    assert halves["decoder"].input_shape == (3,)
    assert dlcore.build_model(halves["decoder"])(torch.randn(2, 3)).shape == (2, 1, 8, 8)


# --- today's autoencoder, unchanged -------------------------------------------------------------------------


def test_the_autoencoder_preset_trains_to_the_numbers_of_one_model_rebuilding_its_input(one_thread):
    """Split at its code layer, the preset takes the very steps it takes as one supervised model whose
    target is its input (how it trains when the recipe is left on "auto"), and scores the same."""
    ds = data.load(PRESET["dataset"])
    cfg = TrainConfig(**PRESET["train"])
    runs = {}
    for recipe in ("autoencoder", "supervised"):
        runs[recipe] = train(make(recipe, AE_SPEC, ds, cfg), epochs=3, batch_size=cfg.batch_size, seed=0)
    assert runs["autoencoder"].steps == runs["supervised"].steps
    assert runs["autoencoder"].epochs == runs["supervised"].epochs
    assert {"train_r2", "val_loss", "val_r2"} <= set(runs["autoencoder"].epochs[-1])


# --- codes, samples -----------------------------------------------------------------------------------------


def test_codes_and_decoding_for_the_latent_space_view():
    ds = data.load("ring", num_points=200, seed=0)
    cfg = TrainConfig(loss="mse", seed=0)
    ae, vae = make("autoencoder", AE_SPEC, ds, cfg), make("vae", two_number_vae(), ds, cfg)
    x = ds.test[0]
    assert ae.encode(x).shape == (len(x), 1)
    assert vae.encode(x).shape == (len(x), 2)  # the means: half the code layer
    assert torch.equal(vae.encode(x), vae.models["encoder"].eval()(x)[:, :2].detach())
    assert vae.decode(torch.zeros(3, 2)).shape == (3, 2)
    assert ae.models["encoder"].training  # encode/decode leave training mode as it was


def test_a_vae_samples_from_its_prior_and_a_plain_autoencoder_says_why_it_cannot():
    ds = data.load("ring", num_points=200, seed=0)
    cfg = TrainConfig(loss="mse", seed=0)
    vae = make("vae", two_number_vae(), ds, cfg)
    points = vae.sample(50)
    assert points.shape == (50, 2) and points.device.type == "cpu"
    assert torch.equal(points, vae.sample(50))  # the same latents each call: a live view shows learning
    assert vae.generative
    ae = make("autoencoder", AE_SPEC, ds, cfg)
    assert not ae.generative
    with pytest.raises(TrainError, match="no distribution to draw a new code from.*VAE"):
        ae.sample(10)


# --- bad input ----------------------------------------------------------------------------------------------


def with_layer(spec: dict, index: int, **changes) -> dict:
    spec = json.loads(json.dumps(spec))
    spec["layers"][index].update(changes)
    return spec


def test_a_model_without_a_code_layer_is_told_to_name_its_bottleneck():
    spec = AE_SPEC.to_dict()
    del spec["layers"][2]["name"]
    with pytest.raises(
        SpecError, match="a VAE needs a bottleneck: name the layer that makes the code 'code'.*log-variance"
    ):
        split_at_code(spec, variational=True)


def test_a_vae_code_of_odd_size_names_the_layer_and_the_even_size():
    with pytest.raises(
        SpecError, match=r"even first size.*set the Linear's out_features \(layer 3\) to 2"
    ) as err:
        split_at_code(AE_SPEC, variational=True)
    assert err.value.field == "output_shape"


def test_a_code_inside_a_block_is_asked_to_move_out():
    spec = {
        "input_shape": [2],
        "layers": [
            {"type": "Sequential", "layers": [{"type": "Linear", "name": "code", "out_features": 2}]},
            {"type": "Linear", "out_features": 2},
        ],
    }
    with pytest.raises(SpecError, match="inside a block") as err:
        split_at_code(spec)
    assert err.value.layer_path == (0, 0)


def roles(recipe: str, encoder: dict, decoder: dict, ds, loss: str = "mse") -> None:
    kind = RECIPES.get(recipe)
    kind.check({"encoder": encoder, "decoder": decoder}, ds, TrainConfig(loss=loss), kind.options({}))


ENCODER = {
    "input_shape": [2],
    "layers": [
        {"type": "Linear", "out_features": 8},
        {"type": "Tanh"},
        {"type": "Linear", "out_features": 4},
    ],
}
DECODER = {
    "input_shape": [2],
    "layers": [
        {"type": "Linear", "out_features": 8},
        {"type": "Tanh"},
        {"type": "Linear", "out_features": 2},
    ],
}


def test_a_spec_per_role_fits_together():
    ds = data.load("ring", num_points=200)
    roles("vae", ENCODER, DECODER, ds)
    roles("autoencoder", ENCODER, {**DECODER, "input_shape": [4]}, ds)


def test_a_decoder_that_does_not_rebuild_the_input_shape_names_its_last_layer():
    ds = data.load("ring", num_points=200)
    bad = with_layer(DECODER, 2, out_features=3)
    with pytest.raises(
        SpecError, match=r"decoder outputs \(3,\).*shaped \(2,\).*out_features \(layer 3\) to 2"
    ):
        roles("vae", ENCODER, bad, ds)


def test_a_decoder_that_does_not_take_the_latent_says_the_latent_size():
    ds = data.load("ring", num_points=200)
    with pytest.raises(
        SpecError, match=r"latent \(half the encoder's output\) is \(2,\).*input_shape to \[2\]"
    ):
        roles("vae", ENCODER, {**DECODER, "input_shape": [4]}, ds)
    with pytest.raises(SpecError, match=r"encoder's output \(the code\) is \(4,\)"):
        roles("autoencoder", ENCODER, DECODER, ds)


def test_an_encoder_of_odd_output_is_a_vae_without_a_latent():
    ds = data.load("ring", num_points=200)
    with pytest.raises(SpecError, match=r"even first size.*\(layer 3\) to 4"):
        roles("vae", with_layer(ENCODER, 2, out_features=3), DECODER, ds)


def test_an_encoder_for_other_inputs_is_told_the_data_shape():
    ds = data.load("digits")
    with pytest.raises(
        SpecError, match=r"inputs are \(1, 8, 8\): set the encoder's input_shape to \[1, 8, 8\]"
    ):
        roles("vae", ENCODER, DECODER, ds)


def test_token_data_and_class_losses_do_not_fit_an_autoencoder():
    with pytest.raises(SpecError, match="the vae recipe does not fit a sequence-to-sequence dataset") as err:
        recipe_for("vae", data.load("reverse").task)
    assert err.value.field == "recipe"
    with pytest.raises(SpecError, match="numbers, not classes: choose mse") as err:
        roles(
            "autoencoder", ENCODER, {**DECODER, "input_shape": [4]}, data.load("ring"), loss="cross_entropy"
        )
    assert err.value.field == "loss"


def test_options_are_checked():
    vae, ae = RECIPES.get("vae"), RECIPES.get("autoencoder")
    assert vae.options({}) == {"beta": 1.0}
    with pytest.raises(TrainError) as err:
        vae.options({"beta": -1})
    assert err.value.field == "beta"
    with pytest.raises(TrainError, match="no option 'beta'"):
        ae.options({"beta": 1.0})


# --- the step stays on the device ---------------------------------------------------------------------------


@pytest.mark.parametrize("recipe", ["autoencoder", "vae"])
def test_a_step_never_reads_a_value_on_the_host(recipe, monkeypatch):
    ds = data.load("ring", num_points=200, seed=0)
    spec = AE_SPEC if recipe == "autoencoder" else two_number_vae()
    # SGD: Adam's CPU step counter is read with .item() inside torch (on a GPU it stays there).
    r = make(recipe, spec, ds, TrainConfig(loss="mse", optimizer="sgd", l1=1e-4, seed=0))
    x, y = r.data.train
    r.train()

    def host_sync(*args):
        raise AssertionError("the step read a value on the host")

    for name in ("item", "__float__", "__bool__", "__int__", "tolist"):
        monkeypatch.setattr(torch.Tensor, name, host_sync)
    for start in (0, 64, 128):
        logs = r.step(x[start : start + 64], y[start : start + 64])
    monkeypatch.undo()
    assert set(logs) == set(r.log_names)
    assert r.train_scores(192)["train_r2"] < 1


def test_one_autoencoder_spec_trains_as_a_job_cut_at_its_code_layer():
    ring = dlcore.data.load("ring")
    cfg = dlcore.TrainConfig(recipe="autoencoder", loss="mse", lr=0.01, epochs=2, device="cpu")
    job = dlcore.start_training(dlcore.presets()["autoencoder"], ring, cfg, pool=dlcore.JobPool())
    assert job.roles == ("encoder", "decoder")
    assert job.wait(60) and job.status == "finished", job.error
    assert job.snapshot("encoder")(ring.test[0][:5]).shape == (5, 1)  # the code: one number per point
