"""The GAN views' maths: the plane picture, the generator's push, the folded latent grid, modes covered."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore.data import load
from dlcore.errors import DataError
from dlcore.generative import gan


def mlp(inputs: int, outputs: int, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(inputs, 16), nn.ReLU(), nn.Linear(16, outputs)).eval()


def linear_discriminator(weight=(1.0, 0.0), bias: float = 0.0) -> nn.Linear:
    """D's logit = w·x + b: a known answer for the push."""
    d = nn.Linear(2, 1)
    with torch.no_grad():
        d.weight.copy_(torch.tensor([weight]))
        d.bias.fill_(bias)
    return d


def test_the_push_of_the_non_saturating_loss_points_to_where_the_discriminator_says_real():
    fake = torch.tensor([[0.0, 0.0], [3.0, -1.0]])
    push = gan.generator_push(linear_discriminator((2.0, 0.0)), fake)
    assert (push[:, 0] > 0).all() and torch.allclose(push[:, 1], torch.zeros(2))
    # −∂softplus(−l)/∂x = sigmoid(−l)·w: at l = 0, half of w
    assert torch.allclose(push[0], torch.tensor([1.0, 0.0]))


def test_minimax_push_vanishes_where_the_discriminator_is_sure_the_point_is_fake():
    sure_fake = linear_discriminator((1.0, 0.0), bias=-12.0)
    fake = torch.zeros(4, 2)
    minimax = gan.generator_push(sure_fake, fake, "minimax").norm(dim=1)
    non_saturating = gan.generator_push(sure_fake, fake, "non_saturating").norm(dim=1)
    assert (minimax < 1e-4).all() and (non_saturating > 0.99).all()


@settings(max_examples=20, deadline=None)
@given(size=st.integers(1, 6), uniform=st.booleans(), lines=st.integers(2, 9))
def test_latent_grid_spans_the_first_two_coordinates_and_leaves_the_rest_at_zero(size, uniform, lines):
    prior = "uniform" if uniform else "normal"
    grid = gan.latent_grid(size, prior, lines)
    span = gan.LATENT_SPAN[prior]
    assert grid.shape == (lines * lines if size > 1 else lines, size)
    assert math.isclose(float(grid[:, 0].max()), span) and math.isclose(float(grid[:, 0].min()), -span)
    assert (grid[:, 2:] == 0).all()
    if size > 1:  # row by row: the second coordinate is fixed along a row
        rows = grid.reshape(lines, lines, size)
        assert (rows[:, :, 1] == rows[:, :1, 1]).all()


def test_fixed_latents_are_the_same_on_every_call_whatever_else_draws():
    first = gan.fixed_latents(16, 8)
    torch.randn(100)
    assert torch.equal(first, gan.fixed_latents(16, 8))
    uniform = gan.fixed_latents(500, 3, "uniform")
    assert uniform.min() >= -1 and uniform.max() <= 1


@pytest.mark.parametrize("latent", [1, 2, 8])
def test_the_picture_holds_every_view_in_the_planes_coordinates(latent):
    ds = load("ring", num_points=400)
    real = ds.train[0]
    picture = gan.gan_picture(mlp(latent, 2), mlp(2, 1, seed=1), real)
    assert picture.fake.shape == (gan.FAKE_POINTS, 2) and picture.push.shape == picture.fake.shape
    assert len(picture.real) <= gan.REAL_POINTS
    assert picture.heat.shape == (gan.RESOLUTION, gan.RESOLUTION)
    assert ((picture.heat > 0) & (picture.heat < 1)).all()
    assert picture.manifold.shape[0] == gan.GRID_LINES and picture.manifold.shape[-1] == 2
    assert picture.bounds >= float(real.abs().max())
    assert np.isclose(picture.ticks[0], -picture.bounds) and np.isclose(picture.ticks[-1], picture.bounds)


def test_the_heat_map_is_the_discriminators_probability_at_each_cell():
    d = linear_discriminator((1.0, 0.0))  # says real to the right, fake to the left
    picture = gan.gan_picture(mlp(2, 2), d, torch.tensor([[1.0, 1.0], [-1.0, -1.0]]), resolution=5)
    # rows are x2, columns x1: the probability grows along each row and is the same down each column
    assert (np.diff(picture.heat, axis=1) > 0).all() and np.allclose(np.diff(picture.heat, axis=0), 0)
    assert np.isclose(picture.heat[2, 2], 0.5)


def test_the_picture_leaves_the_models_and_their_gradients_untouched():
    g, d = mlp(2, 2), mlp(2, 1, seed=1)
    before = [p.clone() for p in [*g.parameters(), *d.parameters()]]
    gan.gan_picture(g, d, torch.randn(50, 2))
    assert all(torch.equal(a, b) for a, b in zip(before, [*g.parameters(), *d.parameters()], strict=True))
    assert all(p.grad is None for p in [*g.parameters(), *d.parameters()])


def test_modes_covered_counts_the_ring_gaussians_that_the_samples_reach():
    ds = load("ring")
    centres = gan.mode_centres(ds)
    assert centres.shape == (8, 2)
    everywhere = ds.denormalize(ds.train[0])
    one = centres[:1] + 0.05 * torch.randn(2000, 2)
    middle = 0.05 * torch.randn(2000, 2)
    assert gan.modes_covered(everywhere, centres) == 8
    assert gan.modes_covered(one, centres) == 1
    assert gan.modes_covered(middle, centres) == 0
    assert gan.modes_covered(torch.zeros(0, 2), centres) == 0


def test_mode_centres_of_the_grid_and_a_message_for_data_without_modes():
    assert gan.mode_centres(load("grid", side=3)).shape == (9, 2)
    with pytest.raises(DataError, match="ring or grid"):
        gan.mode_centres(load("two_moons"))


def test_a_gan_jobs_picture_and_fixed_samples_follow_its_models():
    from dlcore.jobs import JobPool, start_training
    from dlcore.presets import presets
    from dlcore.training import TrainConfig

    specs = {role: presets()[f"gan_{role}"] for role in ("generator", "discriminator")}
    cfg = TrainConfig(
        recipe="gan", epochs=1, batch_size=64, device="cpu", recipe_options={"prior": "uniform"}
    )
    job = start_training(specs, load("ring", num_points=300), cfg, pool=JobPool(), paused=True)
    before, samples = gan.job_picture(job), gan.job_fixed_samples(job, 4)
    assert torch.equal(samples, gan.job_fixed_samples(job, 4))  # the same latents every time
    job.resume()
    assert job.wait(60)
    after = gan.job_picture(job)
    assert not np.allclose(before.fake, after.fake) and not np.allclose(before.heat, after.heat)
    assert gan.mean_push(after) > 0 and not torch.equal(samples, gan.job_fixed_samples(job, 4))
