"""Diffusion's views, computed: the forward process from the data (t = 0) to pure noise (t = T), the
schedules' ᾱ, the denoiser's direction over the plane on a denoiser with a known answer, and the samplers
walked on a snapshot of a denoiser."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore import TrainError, build_model
from dlcore import generative as gen
from dlcore.generative.diffusion import (
    SCHEDULES,
    check_t,
    denoising_field,
    denoising_process,
    noised,
    plane_grid,
    sample_distance,
    schedule_curves,
    signal_left,
)
from dlcore.training.diffusion import DIFFUSION

OPTIONS = DIFFUSION.options({"timesteps": 20})
SPREAD = torch.tensor([[-1.0, -1.0], [1.0, 1.0]])  # training data spanning [-1, 1]: guesses stay near it


def scaled_identity(scale: float) -> nn.Module:
    """A denoiser that answers ε = scale·x_t whatever t is (reads (x1, x2, t) and ignores t)."""
    layer = nn.Linear(3, 2, bias=False)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[scale, 0.0, 0.0], [0.0, scale, 0.0]]))
    return layer


@given(st.integers(2, 1000), st.sampled_from(SCHEDULES))
def test_the_signal_left_falls_from_all_of_it_to_nearly_none(timesteps, schedule):
    ab = signal_left(schedule, timesteps)
    assert ab.shape == (timesteps + 1,) and ab[0] == 1
    assert (ab[1:] < ab[:-1]).all() and ab[-1] < 1e-3


def test_both_schedules_are_offered_over_the_same_steps():
    curves = schedule_curves(50)
    assert set(curves) == {"linear", "cosine"} and all(len(c) == 51 for c in curves.values())


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 200), st.sampled_from(SCHEDULES), st.integers(0, 2**16))
def test_at_t_0_the_data_is_itself_and_at_t_T_it_is_standard_normal_noise(timesteps, schedule, seed):
    data = torch.tensor([[2.0, -1.0]]).expand(4000, 2) + 0.1 * torch.randn(4000, 2)
    assert torch.equal(noised(data, schedule, timesteps, 0, seed), data)
    noise = noised(data, schedule, timesteps, timesteps, seed)
    assert noise.mean(0).abs().max() < 0.1  # the data's mean (2, -1) is gone
    assert (noise.std(0) - 1).abs().max() < 0.1


def test_the_same_noise_moves_each_point_smoothly_as_t_grows():
    data = torch.randn(100, 2)
    steps = [noised(data, "cosine", 100, t) for t in range(101)]
    jumps = [float((b - a).norm(dim=1).max()) for a, b in zip(steps, steps[1:], strict=False)]
    assert max(jumps) < 0.5  # no point leaps: the slider shows one journey, not fresh noise each time


@pytest.mark.parametrize("t", [-1, 21, 2.5, "3", True])
def test_a_t_outside_the_steps_is_refused_naming_t(t):
    with pytest.raises(TrainError) as err:
        check_t(t, 20)
    assert err.value.field == "t" and "0 to 20" in str(err.value)


def test_the_denoising_direction_points_to_the_clean_point_the_denoiser_knows():
    """Data at the origin: the noise in x_t is x_t / sqrt(1 − ᾱ), so a denoiser answering that sends every
    point straight back to the origin, an arrow from the point to (0, 0)."""
    t = 5
    ab = float(signal_left("linear", 20)[t])
    process = denoising_process(scaled_identity(1 / math.sqrt(1 - ab)), OPTIONS, SPREAD)
    grid, arrows = denoising_field(process, t, extent=1.0)
    assert torch.allclose(grid + arrows, torch.zeros_like(grid), atol=1e-5)
    assert torch.equal(grid, plane_grid(1.0))


def test_guesses_far_outside_the_data_are_kept_near_it():
    process = denoising_process(scaled_identity(-50.0), OPTIONS, SPREAD)  # a wild, untrained denoiser
    grid, arrows = denoising_field(process, 20, extent=3.0)
    assert (grid + arrows).abs().max() <= 1.2 + 1e-5  # the data's range, widened by a tenth of it


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 30), st.sampled_from(SCHEDULES), st.integers(0, 100))
def test_ddim_with_every_step_is_deterministic_from_its_starting_noise(timesteps, schedule, seed):
    torch.manual_seed(0)
    denoiser = nn.Sequential(nn.Linear(3, 16), nn.Tanh(), nn.Linear(16, 2))
    options = DIFFUSION.options({"timesteps": timesteps, "noise_schedule": schedule})
    process = denoising_process(denoiser, options, SPREAD, sampler="ddim", steps=timesteps)
    path = process.sample_trajectory(50, keep=timesteps + 1, seed=seed)
    assert [t for t, _ in path] == list(range(timesteps, -1, -1))  # every step, from pure noise to t = 0
    again = process.sample_trajectory(50, keep=timesteps + 1, seed=seed)
    assert all(torch.equal(a, b) for (_, a), (_, b) in zip(path, again, strict=True))


def test_another_sampler_walks_the_same_denoiser_and_its_steps_stay_within_the_timesteps():
    denoiser = scaled_identity(0.5)
    ddim = denoising_process(denoiser, OPTIONS, SPREAD, sampler="ddim", steps=500)
    assert ddim.options["sampling_steps"] == 20 and len(ddim.sample_trajectory(3, keep=100)) == 21
    ancestral = denoising_process(denoiser, {**OPTIONS, "sampler": "ddim"}, SPREAD, sampler="ancestral")
    assert len(ancestral.sample_trajectory(3, keep=100)) == 21 and ancestral.models["denoiser"] is denoiser


def test_an_unknown_sampler_is_refused_naming_it():
    with pytest.raises(TrainError) as err:
        denoising_process(scaled_identity(1.0), OPTIONS, SPREAD, sampler="euler")
    assert err.value.field == "sampler"


def test_samples_away_from_the_held_out_data_measure_far_from_it():
    process = denoising_process(scaled_identity(0.0), OPTIONS, SPREAD)  # guesses no noise at all
    held_out = torch.randn(1000, 2) * 0.1 + 5
    assert sample_distance(process, held_out) > 5  # samples near the origin, data near (5, 5)


@pytest.mark.parametrize(
    "query, named",
    [({"f.t": "-3"}, "f.t"), ({"f.timesteps": "1"}, "f.timesteps"), ({"f.sampler": "euler"}, "f.sampler")],
)
def test_a_bad_diffusion_setting_in_a_link_is_named_and_keeps_its_default(query, named):
    state, problems = gen.from_query({"family": "diffusion", **query})
    assert len(problems) == 1 and named in problems[0] and "using" in problems[0]
    gen.validate(state)


def test_the_denoiser_reads_the_example_and_t_and_answers_the_examples_shape():
    for data, shape in (("ring", (2,)), ("digits", (1, 8, 8))):
        state = gen.from_query({"family": "diffusion", "data": data})[0]
        ds = gen.load_data(state)
        (denoiser,) = gen.models(state, ds).values()
        build = build_model(denoiser)
        x = torch.zeros(3, shape[0] + 1, *shape[1:])
        assert build(x).shape == (3, *shape)
