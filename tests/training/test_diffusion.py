"""The diffusion (DDPM) recipe: its noise schedules, the noisy inputs its step makes, what it learns on two
moons, its samplers, and the messages a student gets for a denoiser that cannot work."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore import ModelSpec, SpecError, TrainError, build_model, data
from dlcore.jobs import JobPool, start_training
from dlcore.presets import presets
from dlcore.training import RECIPES, RecipeSpec, TrainConfig, fit, make_recipe
from dlcore.training.diffusion import alpha_bars, timestep_features
from dlcore.training.distances import energy_distance
from dlcore.training.recipe import recipe_for

CPU = torch.device("cpu")
DIFFUSION = RECIPES.get("diffusion")
BATCH = 256


def preset(**changes) -> ModelSpec:
    spec = presets()["diffusion_denoiser"].to_dict()
    spec.update(changes)
    return ModelSpec.from_dict(spec)


def with_last_size(size: int) -> ModelSpec:
    spec = presets()["diffusion_denoiser"].to_dict()
    spec["layers"][-1]["out_features"] = size
    return ModelSpec.from_dict(spec)


def conv_denoiser(in_channels: int = 2, out_channels: int = 1) -> ModelSpec:
    return ModelSpec.from_dict(
        {
            "input_shape": [in_channels, 8, 8],
            "layers": [
                {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
                {"type": "SiLU"},
                {"type": "Conv2d", "out_channels": out_channels, "kernel_size": 3, "padding": 1},
            ],
        }
    )


def config(epochs: int = 1, **options) -> TrainConfig:
    return TrainConfig(
        recipe="diffusion",
        recipe_options=options,
        lr=1e-2,
        batch_size=BATCH,
        epochs=epochs,
        schedule="cosine",
        device="cpu",
        seed=0,
    ).validate()


def recipe_on(ds, spec=None, model: nn.Module | None = None, epochs: int = 1, **options):
    """The recipe as a job builds it: the models checked, then built from their specs, then the recipe."""
    spec = spec or preset()
    cfg = config(epochs, **options)
    DIFFUSION.check({"denoiser": spec}, ds, cfg, DIFFUSION.options(options))
    torch.manual_seed(0)
    return make_recipe("diffusion", {"denoiser": model or build_model(spec)}, ds, cfg, CPU)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One intra-op thread, as each CPU job trains: two threads on tiny ops only spin against each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def moons():
    return data.load("two_moons", num_points=20000)  # 2,000 held-out test points


@pytest.fixture(scope="module")
def trained(moons):
    """The preset denoiser trained on two moons for 1,000 steps (16 epochs of 16,000 points)."""
    epochs = 16
    recipe = recipe_on(moons, epochs=epochs)
    order = torch.Generator().manual_seed(0)
    logs = fit(recipe, recipe.data, epochs=epochs, batch_size=BATCH, generator=order)
    assert logs["status"] == "finished"
    return recipe


def gaussian_fit(ds, n: int) -> torch.Tensor:
    """n points from the normal distribution with the training points' mean and covariance: what a model
    that learned only the first two moments would draw."""
    x = ds.train[0]
    normal = torch.distributions.MultivariateNormal(x.mean(0), torch.cov(x.T))
    torch.manual_seed(1)
    return normal.sample((n,))


# --- the noising process ---------------------------------------------------------------------------------


@given(st.integers(2, 1000), st.sampled_from(["linear", "cosine"]))
def test_alpha_bar_falls_from_the_signal_to_pure_noise(timesteps, schedule):
    ab = alpha_bars(schedule, timesteps)
    assert ab.shape == (timesteps,)
    assert (ab[1:] < ab[:-1]).all() and (ab > 0).all()
    assert ab[-1] < 1e-3  # the last step is (nearly) pure noise
    if timesteps >= 10:
        assert ab[0] > 0.97  # the first step barely touches the data


@pytest.mark.parametrize("timesteps", [10, 100, 1000])
def test_the_cosine_schedule_keeps_more_signal_through_the_middle_steps(timesteps):
    linear, cosine = alpha_bars("linear", timesteps), alpha_bars("cosine", timesteps)
    middle = slice(timesteps // 4, 3 * timesteps // 4)
    assert (cosine[middle] > linear[middle]).all()


class Recorder(nn.Module):
    """The denoiser, keeping what it was given, what it answered and whether it was in training mode."""

    def __init__(self, inner: nn.Module):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        out = self.inner(x)
        self.calls.append((x.detach().clone(), out.detach().clone(), self.training))
        return out


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.floats(-3, 3), min_size=2, max_size=2),
    st.integers(2, 6),
    st.sampled_from(["linear", "cosine"]),
)
def test_a_step_trains_on_x_t_with_the_known_mean_and_variance_to_predict_the_noise(x0, timesteps, schedule):
    ds = data.load("two_moons", num_points=200)
    recorder = Recorder(build_model(preset()))
    recipe = recipe_on(ds, model=recorder, timesteps=timesteps, noise_schedule=schedule)
    x0 = torch.tensor(x0)
    n = 8192
    loss = recipe.step(x0.expand(n, 2).clone(), torch.zeros(n, 0))["loss"]
    ((given_in, answered, _),) = recorder.calls
    xt, t = given_in[:, :2], (given_in[:, 2] * (timesteps - 1)).round().long()  # t / (T - 1) is the 3rd input
    ab = alpha_bars(schedule, timesteps).float()
    counts = torch.bincount(t, minlength=timesteps)
    assert (counts - n / timesteps).abs().max() < 5 * (n / timesteps) ** 0.5  # t uniform over 0..T-1
    for step in range(timesteps):
        part = xt[t == step].double()
        mean, var = ab[step].sqrt() * x0, 1 - ab[step]
        tolerance = 5 * (var / len(part)) ** 0.5
        assert torch.allclose(part.mean(0), mean.double(), atol=float(tolerance) + 1e-6)
        assert torch.allclose(part.var(0), var.double().expand(2), rtol=5 * (2 / len(part)) ** 0.5)
    # ε-prediction: the loss is the mean squared error between the answer and the noise that was added.
    eps = (xt - ab[t, None].sqrt() * x0) / (1 - ab[t, None]).sqrt()
    assert float(loss) == pytest.approx(float(((answered - eps) ** 2).mean()), rel=1e-3)


def test_sinusoidal_features_of_t_reach_a_denoiser_with_an_even_number_of_extra_inputs():
    ds = data.load("two_moons", num_points=200)
    recorder = Recorder(build_model(preset(input_shape=[6])))
    recipe = recipe_on(ds, preset(input_shape=[6]), model=recorder, timesteps=50)
    recipe.step(recipe.data.train[0][:64], recipe.data.train[1][:64])
    ((given_in, _, _),) = recorder.calls
    table = timestep_features(50, 4).float()
    assert table.abs().max() <= 1 and len(set(map(tuple, table.tolist()))) == 50  # every t told apart
    gaps = (given_in[:, None, 2:] - table[None]).abs().amax(dim=2)  # (B, T)
    assert gaps.min(dim=1).values.max() < 1e-6  # each row is one timestep's features
    assert recipe.sample(5).shape == (5, 2)


def test_an_image_denoiser_gets_t_as_a_constant_extra_channel():
    digits = data.load("digits")
    recorder = Recorder(build_model(conv_denoiser()))
    recipe = recipe_on(digits, conv_denoiser(), model=recorder, timesteps=20)
    recipe.step(recipe.data.train[0][:32], recipe.data.train[1][:32])
    ((given_in, _, _),) = recorder.calls
    assert given_in.shape == (32, 2, 8, 8)
    plane = given_in[:, 1]
    assert torch.equal(plane, plane[:, :1, :1].expand_as(plane))  # one value per example
    assert ((plane >= 0) & (plane <= 1)).all()
    assert recipe.sample(3).shape == (3, 1, 8, 8)
    scores = recipe.evaluate(*recipe.data.val)
    assert set(scores) == {"loss", "loss_noisiest", "loss_cleanest"}  # no energy distance on images


# --- learning ------------------------------------------------------------------------------------------


def test_diffusion_learns_two_moons(trained, moons):
    """2,000 samples lie ≥ 5× closer (energy distance) to held-out points than the untrained model's, and
    closer than half the distance of the best-fitting normal distribution (a model that only learned
    the mean and covariance: a fake would not beat it)."""
    held_out = moons.test[0]
    untrained = recipe_on(moons)
    before = energy_distance(untrained.sample(2000), held_out)
    after = energy_distance(trained.sample(2000), held_out)
    assert after <= 0.2 * before
    assert after <= 0.5 * energy_distance(gaussian_fit(moons, 2000), held_out)


def test_ddim_with_fewer_steps_also_beats_the_untrained_model(trained, moons):
    """20 DDIM steps instead of 100: rougher than ancestral sampling (measured: 0.45-0.52× the normal
    fit's energy distance, against 0.15-0.18× for ancestral), still far better than untrained."""
    held_out = moons.test[0]
    options = {"sampler": "ddim", "sampling_steps": 20}
    ddim = recipe_on(moons, model=trained.models["denoiser"], **options)
    untrained = recipe_on(moons, **options)
    assert len(ddim.sample_trajectory(10, keep=100)) == 21  # the noise, then one x per DDIM step
    after = energy_distance(ddim.sample(2000), held_out)
    assert after <= 0.2 * energy_distance(untrained.sample(2000), held_out)
    assert after <= 0.75 * energy_distance(gaussian_fit(moons, 2000), held_out)


def test_ddim_on_the_cosine_schedule_keeps_its_first_jumps_near_the_data(moons):
    """The cosine schedule ends at sqrt(ᾱ) ≈ 0.03, where guessing x0 multiplies the denoiser's error ~30
    times: unbounded, DDIM's 20 steps threw samples far off (energy distance 15 to held-out points, where
    ancestral sampling's is 0.02). Kept near the data, its samples land on it."""
    recipe = recipe_on(moons, epochs=16, noise_schedule="cosine", sampler="ddim", sampling_steps=20)
    fit(recipe, recipe.data, epochs=16, batch_size=BATCH, generator=torch.Generator().manual_seed(0))
    held_out = moons.test[0]
    assert energy_distance(recipe.sample(2000), held_out) < 0.1  # measured: 0.036 (unbounded: 15)


def test_validation_scores_include_the_energy_distance_and_repeat(trained, moons):
    first = trained.evaluate(*moons.val)
    assert first == trained.evaluate(*moons.val)  # fixed timesteps and noise: epochs compare
    assert set(first) == {"loss", "loss_noisiest", "loss_cleanest", "energy_distance"}
    assert first["loss_noisiest"] < first["loss"] < first["loss_cleanest"]  # little noise is hardest to see
    assert trained.evaluate(moons.val[0][:0], moons.val[1][:0]) == {}


def test_the_trajectory_runs_from_pure_noise_to_the_samples(trained):
    path = trained.sample_trajectory(500, keep=10, seed=3)
    steps = [t for t, _ in path]
    assert len(path) == 10 and steps[0] == 100 and steps[-1] == 0
    assert steps == sorted(steps, reverse=True)
    assert path[0][1].std().item() == pytest.approx(1, abs=0.1)  # standard normal noise
    assert torch.equal(path[-1][1], trained.sample(500, seed=3))
    assert all(x.device.type == "cpu" and x.shape == (500, 2) for _, x in path)


def test_sampling_uses_eval_mode_and_leaves_training_repeatable():
    ds = data.load("two_moons", num_points=200)
    recorder = Recorder(build_model(preset()))
    recipe = recipe_on(ds, model=recorder, timesteps=10)
    state = recipe.generator.get_state()
    first = recipe.sample(20)
    recipe.evaluate(*recipe.data.val)
    assert torch.equal(recipe.generator.get_state(), state)  # the training noise stream is untouched
    assert torch.equal(first, recipe.sample(20))
    assert recorder.training and not any(training for _, _, training in recorder.calls)


def test_a_diffusion_job_trains_the_preset_and_samples_while_paused():
    cfg = TrainConfig(recipe="diffusion", lr=1e-2, batch_size=BATCH, epochs=3, device="cpu")
    job = start_training({"denoiser": preset()}, data.load("two_moons"), cfg, pool=JobPool())
    assert job.wait(60) and job.status == "finished", job.error
    assert job.roles == ("denoiser",)
    assert {"test_loss", "test_energy_distance"} <= set(job.result)
    assert job.sample(7).shape == (7, 2)


def test_a_diverging_denoiser_is_named_with_its_own_learning_rate_to_lower():
    cfg = TrainConfig(recipe="diffusion", optimizer="sgd", lr=10.0, batch_size=BATCH, epochs=50, device="cpu")
    job = start_training({"denoiser": preset()}, data.load("two_moons"), cfg, pool=JobPool())
    assert job.wait(60) and job.status == "failed"
    assert "the denoiser diverged" in job.error and "lr=1" in job.error


def test_a_job_refuses_a_denoiser_of_the_wrong_output_before_it_starts():
    cfg = TrainConfig(recipe="diffusion", device="cpu")
    with pytest.raises(SpecError, match="denoiser.*out_features"):
        start_training({"denoiser": with_last_size(3)}, data.load("two_moons"), cfg, pool=JobPool())


# --- no host sync in a step --------------------------------------------------------------------------------


def test_a_step_never_reads_a_value_on_the_host(monkeypatch):
    ds = data.load("two_moons", num_points=500)
    cfg = TrainConfig(recipe="diffusion", optimizer="sgd", lr=0.01, batch_size=64, device="cpu").validate()
    torch.manual_seed(0)
    recipe = make_recipe("diffusion", {"denoiser": build_model(preset())}, ds, cfg, CPU)
    x, y = recipe.data.train

    def host_read(*args):
        raise AssertionError("the step read a value on the host")

    for name in ("item", "__float__", "__bool__", "__int__", "tolist"):
        monkeypatch.setattr(torch.Tensor, name, host_read)
    logs = [recipe.step(x[i : i + 64], y[i : i + 64]) for i in range(0, 320, 64)]
    monkeypatch.undo()
    assert set(logs[-1]) == set(recipe.log_names) and torch.isfinite(logs[-1]["loss"])


# --- bad input ---------------------------------------------------------------------------------------------


def check(spec, ds, **options):
    DIFFUSION.check({"denoiser": spec}, ds, config(**options), DIFFUSION.options(options))


def test_the_preset_fits_two_moons_as_it_is(moons):
    check(presets()["diffusion_denoiser"], moons)


def test_a_denoiser_whose_output_is_not_the_example_shape_is_told_which_layer_to_change(moons):
    with pytest.raises(SpecError) as err:
        check(with_last_size(3), moons)
    message = str(err.value)
    assert "denoiser" in message and "(2,)" in message and "(3,)" in message
    assert "set the Linear's out_features (layer 7) to 2" in message
    assert err.value.field == "output_shape"


def test_an_image_denoiser_with_the_wrong_channels_is_told_which_conv_to_change():
    with pytest.raises(SpecError) as err:
        check(conv_denoiser(out_channels=3), data.load("digits"))
    assert "denoiser" in str(err.value) and "set the Conv2d's out_channels (layer 3) to 1" in str(err.value)


@pytest.mark.parametrize("size", [1, 2, 5])
def test_a_denoiser_input_without_room_for_the_timestep_is_told_the_size(moons, size):
    with pytest.raises(SpecError) as err:
        check(preset(input_shape=[size]), moons)
    message = str(err.value)
    assert "denoiser" in message and "timestep" in message
    assert "set the denoiser's input_shape to [3]" in message
    assert err.value.field == "input_shape"


def test_an_image_denoiser_without_a_timestep_channel_is_told_the_shape():
    with pytest.raises(SpecError, match=r"input_shape to \[2, 8, 8\]"):
        check(conv_denoiser(in_channels=1), data.load("digits"))


def test_sequences_are_not_denoised():
    with pytest.raises(SpecError) as err:
        check(preset(), data.load("sine"))
    assert err.value.field == "dataset"


def test_diffusion_does_not_fit_token_data():
    with pytest.raises(SpecError, match="does not fit"):
        recipe_for("diffusion", "sequence-to-sequence")


# --- options -----------------------------------------------------------------------------------------------


def test_options_have_defaults():
    assert DIFFUSION.options({}) == {
        "timesteps": 100,
        "noise_schedule": "linear",
        "sampler": "ancestral",
        "sampling_steps": 20,
    }
    assert DIFFUSION.roles == ("denoiser",)


@pytest.mark.parametrize(
    "options, field",
    [
        ({"timesteps": 1}, "timesteps"),
        ({"timesteps": "many"}, "timesteps"),
        ({"noise_schedule": "quadratic"}, "noise_schedule"),
        ({"sampler": "euler"}, "sampler"),
        ({"sampling_steps": 0}, "sampling_steps"),
        ({"steps": 10}, "steps"),
    ],
)
def test_bad_options_are_refused_naming_the_option(options, field):
    with pytest.raises(TrainError) as err:
        DIFFUSION.options(options)
    assert err.value.field == field


def test_more_ddim_steps_than_timesteps_is_refused(moons):
    with pytest.raises(TrainError, match="sampling_steps") as err:
        check(preset(), moons, timesteps=10, sampler="ddim", sampling_steps=20)
    assert err.value.field == "sampling_steps"
    check(preset(), moons, timesteps=10, sampling_steps=20)  # the ancestral sampler takes all T steps


def test_a_recipe_spec_with_the_preset_round_trips():
    spec = RecipeSpec.from_dict(
        {"recipe": "diffusion", "models": {"denoiser": preset().to_dict()}, "options": {"timesteps": 50}}
    )
    assert spec.options["timesteps"] == 50
    assert RecipeSpec.from_dict(spec.to_dict()) == spec
