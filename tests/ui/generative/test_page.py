"""The Generative page in AppTest: it opens from a link, trains through its run bar, every control changes
the state and the link, and bad input is refused with a message that keeps what the student set up."""

from __future__ import annotations

import time

import pytest

from tests.ui.generative.support import run_of, state_of
from tests.ui.playground.support import link_of

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def trained(at, seconds: float = 1.0):
    """Press Play, let the run train a moment, rerun the page (AppTest does not tick fragments)."""
    at.button(key="gen-resume").click().run()
    deadline = time.monotonic() + 20
    while run_of(at).job.progress()["step"] < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(seconds)
    at.run()
    assert not at.exception
    return at


def test_the_page_opens_on_the_ring_with_an_autoencoder_waiting_at_step_0(open_page):
    at = open_page()
    assert state_of(at).data == "ring" and state_of(at).family == "autoencoder"
    assert run_of(at).job.status == "paused" and run_of(at).job.progress()["step"] == 0
    assert link_of(at)["family"] == "autoencoder"


def test_play_trains_a_vae_on_the_digits_and_pause_holds_it(open_page):
    at = trained(open_page({"data": "digits", "family": "vae"}))
    job = run_of(at).job
    assert job.status == "running" and job.progress()["step"] > 0
    at.button(key="gen-pause").click().run()
    assert job.status == "paused"
