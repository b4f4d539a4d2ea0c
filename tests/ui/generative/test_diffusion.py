"""The diffusion family on the Generative page in AppTest: it trains and draws on points and on digits,
every control of its own changes the state and the link, the views' settings keep the run, and a bad value
in a link is named and falls back to its default."""

from __future__ import annotations

import pytest

from dlcore import generative as gen
from tests.ui.generative.support import run_of, state_of
from tests.ui.generative.test_page import messages, trained
from tests.ui.playground.support import link_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DIFFUSION = {"family": "diffusion"}


def test_diffusion_trains_on_the_ring_and_draws_its_views(open_page):
    at = trained(open_page(DIFFUSION))
    job = run_of(at).job
    assert job.recipe == "diffusion" and job.roles == ("denoiser",) and job.progress()["step"] > 0
    assert not at.exception and not at.error
    assert any("Epoch" in caption.value for caption in at.caption)


def test_diffusion_trains_on_the_digits(open_page):
    at = trained(open_page({**DIFFUSION, "data": "digits"}))
    assert run_of(at).job.progress()["step"] > 0 and not at.exception and not at.error


@pytest.mark.parametrize(
    "widget, key, value, option, link",
    [
        ("radio", "gen-dif-schedule", "cosine", "noise_schedule", "cosine"),
        ("select_slider", "gen-dif-timesteps", 50, "timesteps", "50"),
    ],
)
def test_the_schedule_and_the_timesteps_start_a_fresh_run(open_page, widget, key, value, option, link):
    at = open_page(DIFFUSION)
    before = run_of(at).job
    getattr(at, widget)(key=key).set_value(value).run()
    assert not at.exception
    assert state_of(at).family_options[option] == value and link_of(at)[f"f.{option}"] == link
    assert run_of(at).job is not before and run_of(at).job.setup.options[option] == value


def test_t_and_the_sampler_only_change_the_views_and_keep_the_run(open_page):
    at = open_page(DIFFUSION)
    job = run_of(at).job
    at.slider(key="gen-dif-t").set_value(80).run()
    at.radio(key="gen-dif-sampler").set_value("ddim").run()
    at.slider(key="gen-dif-steps").set_value(10).run()
    assert not at.exception
    assert link_of(at)["f.t"] == "80" and link_of(at)["f.sampler"] == "ddim"
    assert link_of(at)["f.sampling_steps"] == "10"
    assert run_of(at).job is job  # the same denoiser, walked back another way


def test_ddim_steps_are_offered_only_for_ddim_and_never_beyond_the_timesteps(open_page):
    at = open_page({**DIFFUSION, "f.timesteps": "20", "f.sampler": "ddim", "f.sampling_steps": "500"})
    assert not at.exception
    steps = at.slider(key="gen-dif-steps")
    assert steps.max == 20 and steps.value == 20
    at.radio(key="gen-dif-sampler").set_value("ancestral").run()
    assert "gen-dif-steps" not in [slider.key for slider in at.slider]


@pytest.mark.parametrize(
    "query, default",
    [({"f.t": "-3"}, 50), ({"f.timesteps": "1"}, 100), ({"f.noise_schedule": "no"}, "linear")],
)
def test_a_bad_value_in_a_link_is_named_falls_back_to_its_default_and_the_page_trains(
    open_page, query, default
):
    at = open_page({**DIFFUSION, **query})
    (name,) = query
    assert name in messages(at) and "using" in messages(at)
    at = trained(at)
    assert gen.options_of(state_of(at))[name.removeprefix("f.")] == default
    assert run_of(at).job.progress()["step"] > 0 and not at.error
