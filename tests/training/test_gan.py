"""The GAN recipe: a generator and a discriminator taking turns, on the 2-D point datasets (CPU)."""

import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore import bench
from dlcore.bench import WORKLOADS
from dlcore.build import build_model
from dlcore.data import load
from dlcore.errors import SpecError, TrainError
from dlcore.jobs import JobPool, start_training
from dlcore.presets import presets
from dlcore.training import RecipeSpec, TrainConfig, fit, make_recipe
from dlcore.training.gan import GAN, generator_loss_per_example
from dlcore.training.recipe import recipe_for

CPU = torch.device("cpu")


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks: one CPU thread trains them fastest (on a busy machine two threads took 100x longer)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def specs(generator_out: int = 2, discriminator_in: int = 2, discriminator_out: int = 1, latent=(8,)) -> dict:
    g = presets()["gan_generator"].to_dict()
    d = presets()["gan_discriminator"].to_dict()
    g["input_shape"] = list(latent)
    g["layers"][-1]["out_features"] = generator_out
    d["input_shape"] = [discriminator_in]
    d["layers"][-1]["out_features"] = discriminator_out
    return {"generator": g, "discriminator": d}


def make_gan(ds=None, seed: int = 0, cfg: dict | None = None, **options):
    ds = ds if ds is not None else load("ring", num_points=500)
    config = TrainConfig(seed=seed, recipe="gan", recipe_options=options, **(cfg or {}))
    torch.manual_seed(seed)
    models = {role: build_model(spec) for role, spec in specs().items()}
    return make_recipe("gan", models, ds, config, CPU)


def run_steps(recipe, steps: int, batch: int = 64) -> dict:
    x = recipe.data.train[0]
    for i in range(steps):
        logs = recipe.step(x[(i * batch) % (len(x) - batch) :][:batch], None)
    return logs


# --- bad models and options -------------------------------------------------------------------------------


def check(**shapes):
    GAN.check(specs(**shapes), load("ring", num_points=200), TrainConfig(), GAN.options({}))


def test_the_presets_pass_the_check():
    check()


def test_generator_making_the_wrong_shape_is_told_which_layer_to_change():
    with pytest.raises(SpecError) as err:
        check(generator_out=3)
    message = str(err.value)
    assert "generator" in message and "[3]" in message and "[2]" in message
    assert "set the Linear's out_features (layer 5) to 2" in message


def test_discriminator_taking_the_wrong_shape_is_told_its_input_shape():
    with pytest.raises(SpecError) as err:
        check(discriminator_in=3)
    assert "discriminator" in str(err.value) and "input shape to [2]" in str(err.value)
    assert err.value.field == "input_shape"


def test_discriminator_without_one_output_is_told_to_give_one_score():
    with pytest.raises(SpecError) as err:
        check(discriminator_out=4)
    message = str(err.value)
    assert "discriminator" in message and "one raw score" in message
    assert "set the Linear's out_features (layer 5) to 1" in message


def test_generator_whose_latent_is_not_a_vector_is_told_to_take_one():
    with pytest.raises(SpecError) as err:
        check(latent=(4, 2))
    assert "generator" in str(err.value) and "input shape such as [8]" in str(err.value)


def test_generator_not_reading_its_latent_with_a_linear_is_told_to_add_one():
    models = specs()
    models["generator"]["layers"].insert(0, {"type": "Unflatten", "unflattened_size": [2, 4]})
    with pytest.raises(SpecError, match="generator must first read its latent .* add a Linear at the start"):
        GAN.check(models, load("ring", num_points=200), TrainConfig(), GAN.options({}))


def test_discriminator_ending_in_a_sigmoid_is_told_to_remove_it():
    models = specs()
    models["discriminator"]["layers"].append({"type": "Sigmoid"})
    with pytest.raises(SpecError, match=r"discriminator must give a raw score.*final Sigmoid \(layer 6\)"):
        GAN.check(models, load("ring", num_points=200), TrainConfig(), GAN.options({}))


def test_gan_on_token_data_is_refused_naming_the_data_it_trains_on():
    assert recipe_for("gan", "generation").name == "gan"
    with pytest.raises(SpecError, match="the gan recipe does not fit a sequence-to-sequence dataset"):
        recipe_for("gan", "sequence-to-sequence")


def test_a_gan_learns_from_labelled_images_without_their_labels():
    ds = load("digits")
    assert recipe_for("gan", ds.task).name == "gan"
    models = specs(generator_out=64, discriminator_in=64)
    models["generator"]["layers"].append({"type": "Unflatten", "unflattened_size": [1, 8, 8]})
    models["discriminator"]["input_shape"] = [1, 8, 8]
    models["discriminator"]["layers"].insert(0, {"type": "Flatten"})
    cfg = TrainConfig(recipe="gan", epochs=1, batch_size=64, device="cpu")
    job = start_training(models, ds, cfg, pool=JobPool())
    assert job.wait(60) and job.status == "finished", job.error
    assert job.sample(16).shape == (16, 1, 8, 8)


def test_a_gan_setup_round_trips_through_json():
    setup = RecipeSpec.from_dict({"recipe": "gan", "models": specs(), "options": {"d_steps": 2}})
    again = RecipeSpec.from_dict(json.loads(json.dumps(setup.to_dict())))
    assert again == setup and again.options["d_steps"] == 2 and again.options["prior"] == "normal"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"d_step": 2}, "d_steps"),  # a typo: the message lists the real options
        ({"d_steps": 0}, "at least 1"),
        ({"generator_loss": "wasserstein"}, "minimax"),
        ({"prior": "cauchy"}, "uniform"),
        ({"discriminator_lr": 50.0}, "at most 10"),
    ],
)
def test_bad_options_are_refused_with_a_message(options, named):
    with pytest.raises(TrainError, match=named):
        GAN.options(options)


def test_discriminator_lr_defaults_to_the_configs_lr():
    default = make_gan(cfg={"lr": 3e-3})
    own = make_gan(cfg={"lr": 3e-3}, discriminator_lr=1e-4)
    assert default.optimizers["discriminator"].param_groups[0]["lr"] == 3e-3
    assert own.optimizers["discriminator"].param_groups[0]["lr"] == 1e-4
    assert own.optimizers["generator"].param_groups[0]["lr"] == 3e-3


# --- learning ---------------------------------------------------------------------------------------------


def ring_coverage(points: torch.Tensor, modes: int = 8, sigma: float = 0.05) -> tuple[int, float]:
    """(modes covered, fraction of points near a mode): a mode counts when >= 2 % of the points lie within
    3 sigma of its centre; a point is near a mode within 3 sigma of it. Points in the ring's raw units."""
    angles = 2 * math.pi * torch.arange(modes) / modes
    centres = torch.stack([angles.cos(), angles.sin()], dim=1)
    near = torch.cdist(points.float(), centres) < 3 * sigma  # (N, modes)
    return int((near.float().mean(dim=0) >= 0.02).sum()), float(near.any(dim=1).float().mean())


def test_gan_learns_all_eight_gaussians_of_the_ring():
    # Measured over seeds 0-9 with these settings (1,040 generator steps): 7-8 modes covered, 75-87 % of
    # the points near a mode. One discriminator step per generator step left one seed in ten at 50 %.
    ds = load("ring")  # 8 gaussians of spread 0.05 on the unit circle; 1,600 training points
    recipe = make_gan(ds, cfg={"lr": 2e-3, "optimizer_options": {"beta1": 0.5}}, d_steps=2)
    untrained = recipe.evaluate(*recipe.data.val)["energy_distance"]
    assert ring_coverage(ds.denormalize(recipe.sample(2000)))[1] < 0.1  # the bar is not met by chance
    fit(recipe, recipe.data, epochs=80, batch_size=128, generator=torch.Generator().manual_seed(0))
    covered, near = ring_coverage(ds.denormalize(recipe.sample(2000)))
    assert covered >= 7 and near >= 0.70, (covered, near)
    assert recipe.evaluate(*recipe.data.val)["energy_distance"] < 0.2 * untrained


def test_ring_coverage_is_failed_by_mode_collapse_and_by_a_blur():
    angles = 2 * math.pi * torch.arange(8) / 8
    one_mode = torch.tensor([[1.0, 0.0]]) + 0.05 * torch.randn(2000, 2)
    blur = torch.randn(2000, 2)
    faithful = torch.stack([angles.cos(), angles.sin()], 1).repeat(250, 1) + 0.05 * torch.randn(2000, 2)
    assert ring_coverage(one_mode)[0] == 1
    assert ring_coverage(blur)[1] < 0.3
    covered, near = ring_coverage(faithful)
    assert covered == 8 and near > 0.95


@settings(max_examples=25, deadline=None)
@given(logits=st.lists(st.floats(-20, 20), min_size=1, max_size=20), minimax=st.booleans())
def test_each_fakes_share_of_the_generator_loss_is_its_definition(logits, minimax):
    scores = torch.tensor(logits, dtype=torch.float64)
    d = torch.sigmoid(scores)
    expected = torch.log1p(-d) if minimax else -torch.log(d)  # log(1 − D) or −log D
    got = generator_loss_per_example(scores, "minimax" if minimax else "non_saturating")
    finite = torch.isfinite(expected)
    assert torch.allclose(got[finite], expected[finite], atol=1e-6, rtol=1e-6)


# --- the step ---------------------------------------------------------------------------------------------


def test_step_logs_device_values_and_the_headline_is_the_sum_of_both_losses():
    logs = run_steps(make_gan(), 3)
    assert tuple(logs) == make_gan().log_names
    assert all(isinstance(v, torch.Tensor) and v.dim() == 0 for v in logs.values())
    assert torch.isclose(logs["loss"], logs["generator_loss"] + logs["discriminator_loss"])
    assert 0 < float(logs["d_real"]) < 1 and 0 < float(logs["d_fake"]) < 1


@pytest.mark.parametrize("d_steps", [1, 3])
def test_k_discriminator_steps_per_generator_step(d_steps):
    recipe = make_gan(d_steps=d_steps)
    counts = {role: 0 for role in recipe.optimizers}
    for role, optimizer in recipe.optimizers.items():
        optimizer.register_step_post_hook(lambda *_, role=role: counts.__setitem__(role, counts[role] + 1))
    run_steps(recipe, 4)
    assert counts == {"generator": 4, "discriminator": 4 * d_steps}


def test_step_never_reads_a_value_on_the_host(monkeypatch):
    # SGD: PyTorch's own Adam reads its step counter with .item() on the CPU (harmless there; on a GPU its
    # counter lives on the device). The recipe itself must not read anything back.
    recipe = make_gan(cfg={"optimizer": "sgd"})

    def host_read(*_):
        raise AssertionError("the GAN step read a value on the host")

    for name in ("item", "tolist", "numpy", "__float__", "__int__", "__bool__"):
        monkeypatch.setattr(torch.Tensor, name, host_read)
    run_steps(recipe, 3)


def test_minimax_generator_gradient_vanishes_when_the_discriminator_wins():
    grads = {}
    for loss in ("minimax", "non_saturating"):
        recipe = make_gan(cfg={"lr": 1e-5}, generator_loss=loss)
        with torch.no_grad():  # a discriminator sure that everything is fake: D(x) = sigmoid(-10)
            recipe.models["discriminator"][-1].bias.fill_(-10.0)
        logs = run_steps(recipe, 1)
        grads[loss] = torch.cat([p.grad.flatten() for p in recipe.models["generator"].parameters()]).norm()
        assert float(logs["d_fake"]) < 1e-3
    assert grads["minimax"] < 1e-3 * grads["non_saturating"]
    assert grads["non_saturating"] > 1e-2  # the non-saturating loss still tells the generator where to go


def test_a_seed_repeats_a_run_even_when_it_is_evaluated_and_sampled_midway():
    looked_at, untouched = make_gan(seed=3), make_gan(seed=3)
    run_steps(looked_at, 5)
    looked_at.evaluate(*looked_at.data.val)
    looked_at.sample(10)
    run_steps(untouched, 5)
    a, b = run_steps(looked_at, 5), run_steps(untouched, 5)
    assert all(torch.equal(a[k], b[k]) for k in a)


# --- scoring and sampling ---------------------------------------------------------------------------------


def test_sample_gives_examples_on_the_cpu_and_keeps_the_training_mode():
    recipe = make_gan()
    points = recipe.sample(50)
    assert points.shape == (50, 2) and points.device.type == "cpu"
    assert recipe.models["generator"].training
    assert torch.equal(points, recipe.sample(50))  # the same latents each time: a view shows points move


def test_uniform_prior_draws_latents_between_minus_one_and_one():
    recipe = make_gan(prior="uniform")
    latents = recipe.probe_input(recipe.data.train[0][:300])
    assert latents.shape == (300, 8)
    assert latents.min() >= -1 and latents.max() <= 1 and latents.min() < -0.9


def test_evaluate_scores_the_discriminator_and_the_samples():
    recipe = make_gan()
    scores = recipe.evaluate(*recipe.data.val)
    assert set(scores) == {
        "loss",
        "generator_loss",
        "discriminator_loss",
        "discriminator_accuracy",
        "energy_distance",
    }
    assert math.isclose(scores["loss"], scores["generator_loss"] + scores["discriminator_loss"])
    assert 0 <= scores["discriminator_accuracy"] <= 1 and scores["energy_distance"] > 0
    x, y = recipe.data.test
    assert recipe.evaluate(x[:0], y[:0]) == {}


def test_bench_gan2d_networks_written_by_hand_are_the_presets():
    # The speed benchmark is fair only if both sides are the same networks: same weights, same outputs.
    workload = WORKLOADS["gan2d"]
    for role, spec in workload.specs.items():
        model = build_model(spec)
        reference = getattr(workload, f"plain_{role}")()
        reference.load_state_dict(dict(zip(reference.state_dict(), model.state_dict().values(), strict=True)))
        x = torch.randn(4, *spec.input_shape)
        assert torch.equal(model(x), reference(x))


def test_bench_gan2d_times_the_engine_against_the_hand_written_loop():
    [row] = bench.run(["gan2d"], device="cpu", seconds=0.2)
    assert row["workload"] == "gan2d" and row["baseline"] == "fast"
    assert row["engine_steps_per_s"] > 0 and row["baseline_steps_per_s"] > 0


def test_a_gan_job_trains_both_roles_and_records_their_live_metrics():
    ds = load("ring", num_points=300)
    cfg = TrainConfig(recipe="gan", epochs=3, batch_size=64, device="cpu", recipe_options={"d_steps": 2})
    job = start_training(specs(), ds, cfg, pool=JobPool())
    assert job.wait(60) and job.status == "finished", job.error
    live = job.metrics()
    for name in ("train_generator_loss", "train_discriminator_loss", "train_d_real", "train_d_fake"):
        assert live[name].notna().any()
    assert 0 <= job.result["test_discriminator_accuracy"] <= 1 and job.result["test_energy_distance"] > 0
    assert job.snapshot(role="generator")(torch.randn(5, 8)).shape == (5, 2)


def test_a_gan_job_with_a_bad_generator_is_refused_before_it_starts():
    cfg = TrainConfig(recipe="gan", epochs=1, device="cpu")
    with pytest.raises(SpecError, match="the generator makes examples shaped"):
        start_training(specs(generator_out=3), load("ring", num_points=300), cfg, pool=JobPool())


# --- one role at a time, by hand --------------------------------------------------------------------------


def step_counts(recipe) -> dict[str, int]:
    counts = {role: 0 for role in recipe.optimizers}
    for role, optimizer in recipe.optimizers.items():
        optimizer.register_step_post_hook(lambda *_, role=role: counts.__setitem__(role, counts[role] + 1))
    return counts


def weights(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()]).clone()


@pytest.mark.parametrize("solo", ["discriminator", "generator"])
def test_a_solo_step_trains_that_role_alone_once_and_logs_both_losses(solo):
    recipe = make_gan(d_steps=3)
    counts = step_counts(recipe)
    other = "generator" if solo == "discriminator" else "discriminator"
    before = {role: weights(model) for role, model in recipe.models.items()}
    recipe.solo = solo
    logs = run_steps(recipe, 1)
    assert counts == {solo: 1, other: 0}  # one step of that role, even with k = 3
    assert not torch.equal(weights(recipe.models[solo]), before[solo])
    assert torch.equal(weights(recipe.models[other]), before[other])
    assert tuple(logs) == recipe.log_names and all(torch.isfinite(v) for v in logs.values())
    assert recipe.solo is None  # the next step trains both again
    run_steps(recipe, 1)
    together = {"discriminator": 3, "generator": 1}  # k = 3 discriminator steps per generator step
    assert counts == {solo: 1 + together[solo], other: together[other]}


def test_a_job_steps_one_role_by_hand_then_pauses():
    from tests.jobs.support import wait_for

    cfg = TrainConfig(recipe="gan", epochs=5, batch_size=64, device="cpu")
    job = start_training(specs(), load("ring", num_points=300), cfg, pool=JobPool(), paused=True)
    wait_for(lambda: job.status == "paused")
    generator = weights(job.snapshot("generator"))
    discriminator = weights(job.snapshot("discriminator"))
    job.step(role="discriminator")
    wait_for(lambda: job.progress()["step"] == 1 and job.status == "paused")
    assert torch.equal(weights(job.snapshot("generator")), generator)
    assert not torch.equal(weights(job.snapshot("discriminator")), discriminator)
    discriminator = weights(job.snapshot("discriminator"))
    job.step(role="generator")
    wait_for(lambda: job.progress()["step"] == 2 and job.status == "paused")
    assert torch.equal(weights(job.snapshot("discriminator")), discriminator)
    assert not torch.equal(weights(job.snapshot("generator")), generator)
    job.stop()
    assert job.wait(30)


@pytest.mark.parametrize(
    ("role", "unit", "named"),
    [("encoder", "batch", "not the encoder"), ("generator", "epoch", "for one epoch")],
)
def test_stepping_a_role_alone_that_cannot_be_is_refused_with_a_message(role, unit, named):
    cfg = TrainConfig(recipe="gan", epochs=1, device="cpu")
    job = start_training(specs(), load("ring", num_points=300), cfg, pool=JobPool(), paused=True)
    with pytest.raises(TrainError, match=named):
        job.step(unit=unit, role=role)
    job.stop()
    assert job.wait(30)


def test_the_discriminator_can_learn_with_its_own_optimizer():
    same = make_gan(cfg={"optimizer": "adam", "optimizer_options": {"beta1": 0.5}})
    own = make_gan(
        cfg={"optimizer": "adam", "optimizer_options": {"beta1": 0.5}}, discriminator_optimizer="sgd"
    )
    assert isinstance(same.optimizers["discriminator"], torch.optim.Adam)
    assert same.optimizers["discriminator"].defaults["betas"][0] == 0.5
    assert isinstance(own.optimizers["discriminator"], torch.optim.SGD)
    assert isinstance(own.optimizers["generator"], torch.optim.Adam)
