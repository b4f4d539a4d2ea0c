"""The GAN family in AppTest: its controls change the state, the link and the run; Step D and Step G train
one player alone; its views draw on points and images; bad input is refused with a student's message."""

from __future__ import annotations

import time

import pytest
import torch

from tests.ui.generative.support import run_of, state_of
from tests.ui.generative.test_page import messages, trained
from tests.ui.playground.support import link_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
GAN = {"family": "gan", "data": "ring"}


@pytest.mark.parametrize(
    ("widget", "key", "value", "link_key", "link_value"),
    [
        ("slider", "gen-gan-k", 3, "f.d_steps", "3"),
        ("radio", "gen-gan-loss", "minimax", "f.generator_loss", "minimax"),
        ("selectbox", "gen-gan-prior", "uniform", "f.prior", "uniform"),
        ("number_input", "gen-gan-latent", 4, "f.latent", "4"),
        ("selectbox", "gen-discriminator-lr", 0.0003, "discriminator.lr", "0.0003"),
        ("selectbox", "gen-discriminator-opt", "sgd", "discriminator.opt", "sgd"),
    ],
)
def test_each_gan_control_changes_the_state_the_link_and_the_run(
    open_page, widget, key, value, link_key, link_value
):
    at = open_page(GAN)
    before = run_of(at).job
    getattr(at, widget)(key=key).set_value(value).run()
    # what trains changed: a fresh run from the seed, with the new setting in its link
    assert not at.exception and run_of(at).job is not before and link_of(at)[link_key] == link_value


def test_the_discriminators_own_learning_rate_and_optimizer_reach_its_optimizer(open_page):
    at = open_page({**GAN, "discriminator.lr": "0.0003", "discriminator.opt": "sgd"})
    options = run_of(at).job.config.recipe_options
    assert options["discriminator_lr"] == 0.0003 and options["discriminator_optimizer"] == "sgd"


def weights(job, role: str) -> torch.Tensor:
    return torch.cat([p.flatten() for p in job.snapshot(role).parameters()])


def wait_for_step(job, step: int) -> None:
    deadline = time.monotonic() + 20
    while not (job.progress()["step"] == step and job.status == "paused") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.progress()["step"] == step and job.status == "paused"


def test_step_d_and_step_g_train_one_player_alone_and_leave_the_run_paused(open_page):
    at = open_page(GAN)
    job = run_of(at).job
    generator, discriminator = weights(job, "generator"), weights(job, "discriminator")
    at.button(key="gen-gan-step-discriminator").click().run()
    wait_for_step(job, 1)
    assert torch.equal(weights(job, "generator"), generator)
    assert not torch.equal(weights(job, "discriminator"), discriminator)
    discriminator = weights(job, "discriminator")
    at.button(key="gen-gan-step-generator").click().run()
    wait_for_step(job, 2)
    assert torch.equal(weights(job, "discriminator"), discriminator)
    assert not torch.equal(weights(job, "generator"), generator)
    at.run()
    assert not at.exception and "D(real)" in " ".join(str(m.value) for m in at.markdown)


def test_step_d_while_playing_pauses_after_that_step(open_page):
    at = trained(open_page(GAN))
    job = run_of(at).job
    at.button(key="gen-gan-step-discriminator").click().run()
    deadline = time.monotonic() + 20
    while job.status != "paused" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.status == "paused" and not at.exception


@pytest.mark.parametrize("query", [GAN, {"family": "gan", "data": "digits"}, {**GAN, "f.latent": "1"}])
def test_the_gan_views_draw_while_it_trains(open_page, query):
    at = trained(open_page(query))
    assert not at.error, messages(at)
    assert "D(real)" in " ".join(str(m.value) for m in at.markdown)
    assert "Epoch" in " ".join(c.value for c in at.caption)
    assert state_of(at).family == "gan"


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({**GAN, "f.d_steps": "0"}, "'d_steps' must be at least 1"),
        ({**GAN, "f.d_steps": "50"}, "'d_steps' must be at most 10"),
        ({**GAN, "discriminator.lr": "50"}, "'lr' must be at most 10"),
        ({**GAN, "f.generator_loss": "wasserstein"}, "generator_loss"),
        ({**GAN, "f.latent": "0"}, "'latent' must be at least 1"),
    ],
)
def test_a_bad_gan_link_says_which_field_and_opens_with_the_default(open_page, query, said):
    at = open_page(query)
    assert said in messages(at)
    assert not at.exception and run_of(at).job is not None
