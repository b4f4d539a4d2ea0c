"""The Generative page in AppTest: it opens from a link, trains through its run bar, every control changes
the state and the link, and bad input is refused with a message that keeps what the student set up."""

from __future__ import annotations

import time

import pytest

from tests.jobs.support import wait_status
from tests.ui.generative.support import run_of, state_of
from tests.ui.playground.support import link_of
from ui.generative import controls

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def trained(at):
    """Press Play, wait until the run has stepped, rerun the page (AppTest does not tick fragments)."""
    at.button(key="gen-resume").click().run()
    deadline = time.monotonic() + 20
    while run_of(at).job.progress()["step"] < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    at.run()
    assert not at.exception
    return at


def messages(at) -> str:
    return " ".join(str(m.value) for m in [*at.warning, *at.error, *at.info])


# --- opening and the run bar --------------------------------------------------------------------------------
def test_the_page_opens_on_the_ring_with_an_autoencoder_waiting_at_step_0(open_page):
    at = open_page()
    assert state_of(at).data == "ring" and state_of(at).family == "autoencoder"
    wait_status(run_of(at).job, "paused")  # a busy server queues it until a training slot is free
    assert run_of(at).job.status == "paused" and run_of(at).job.progress()["step"] == 0
    assert link_of(at)["family"] == "autoencoder"


def test_play_trains_a_vae_on_the_digits_pause_holds_it_step_trains_an_epoch_reset_starts_again(open_page):
    at = trained(open_page({"data": "digits", "family": "vae"}))
    job = run_of(at).job
    assert job.status == "running" and job.progress()["step"] > 0
    at.button(key="gen-pause").click().run()
    assert job.status == "paused"
    epoch = settled_epoch(job)
    at.button(key="gen-step_epoch").click().run()
    assert job.wait(timeout=0.1) is False  # still alive, paused again after one epoch
    deadline = time.monotonic() + 20
    while job.progress()["epoch"] < epoch + 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    # An epoch's worth of batches crosses one epoch end, or two when the pause fell on an epoch's last
    # batch before its end was counted; then it pauses again and stays.
    assert epoch + 1 <= settled_epoch(job) <= epoch + 2 and job.status == "paused"
    at.button(key="gen-reset").click().run()
    assert not at.exception
    assert run_of(at).job is not job and run_of(at).job.progress()["step"] == 0


def settled_epoch(job) -> int:
    """The paused job's epoch once its step and epoch stop changing: the thread finishes the step it was in
    and its recorder catches up (an epoch it had just ended may be counted a moment after the pause)."""
    deadline, last = time.monotonic() + 20, None
    while (now := (job.progress()["step"], job.progress()["epoch"])) != last and time.monotonic() < deadline:
        last = now
        time.sleep(0.5)
    return now[1]


# --- every control changes the state and the link -----------------------------------------------------------
@pytest.mark.parametrize(
    ("widget", "key", "value", "link_key", "link_value"),
    [
        ("selectbox", "gen-data", "digits", "data", "digits"),
        ("selectbox", "gen-family", "vae", "family", "vae"),
        ("slider", "gen-latent", 3, "f.latent", "3"),
        ("slider", "gen-denoise", 0.3, "f.denoise", "0.3"),
        ("slider", "gen-noise", 0.1, "data.noise", "0.1"),
        ("number_input", "gen-seed", 7, "seed", "7"),
        ("number_input", "gen-encoder-width", 32, "encoder.width", "32"),
        ("number_input", "gen-decoder-depth", 3, "decoder.depth", "3"),
        ("selectbox", "gen-encoder-lr", 0.01, "decoder.lr", "0.01"),  # one optimizer for both halves
        ("selectbox", "gen-encoder-opt", "sgd", "decoder.opt", "sgd"),
        ("select_slider", "gen-batch", 32, "batch", "32"),
    ],
)
def test_each_control_changes_the_state_the_link_and_the_run(
    open_page, widget, key, value, link_key, link_value
):
    at = open_page()
    job = run_of(at).job
    getattr(at, widget)(key=key).set_value(value).run()
    assert not at.exception
    assert link_of(at)[link_key] == link_value
    assert run_of(at).job is not job  # what trains changed: a fresh run from the seed


def test_beta_and_the_interpolations_ends_are_the_vaes_on_images(open_page):
    at = open_page({"data": "digits", "family": "vae"})
    at.select_slider(key="gen-beta").set_value(4.0).run()
    assert link_of(at)["f.beta"] == "4" and run_of(at).started_from.family_options["beta"] == 4.0
    job = run_of(at).job
    at.number_input(key="gen-from").set_value(5).run()
    at.number_input(key="gen-to").set_value(9).run()
    assert not at.exception
    assert (link_of(at)["f.from"], link_of(at)["f.to"]) == ("5", "9")
    assert run_of(at).job is job  # the ends only change what the views show: the run goes on


@pytest.mark.parametrize(
    "query", [{"data": "two_moons"}, {"data": "digits", "family": "vae", "f.latent": "4"}]
)
def test_the_views_draw_while_it_trains_on_points_and_on_images(open_page, query):
    at = trained(open_page(query))
    assert not at.error, messages(at)
    assert "Epoch" in " ".join(c.value for c in at.caption)


# --- own points ---------------------------------------------------------------------------------------------
def test_clicking_the_plane_adds_points_and_clear_removes_them(open_page, monkeypatch):
    at = open_page({"data": "points"})
    assert "at least 10 points" in messages(at)  # too few to train: said, not a traceback
    clicks = [[{"curve_number": 0, "x": 1.23, "y": -2.0}]]  # one click, reported once (then none)
    monkeypatch.setattr(controls, "steady_chart", lambda *a, **k: clicks.pop() if clicks else [])
    at.run()
    assert state_of(at).points == ((1.2, -2.0),)
    at.button(key="gen-csv-clear").click().run()
    assert state_of(at).points == ()


def test_ten_points_from_a_link_train(open_page):
    from dlcore.playground import encode_points

    points = encode_points([(i / 2, (i % 3) / 2, 0) for i in range(12)])
    at = trained(open_page({"data": "points", "points": points}))
    assert run_of(at).error is None and run_of(at).job.progress()["step"] > 0


# --- bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "said"),
    [
        ({"f.latent": "0"}, "'latent' must be at least 1"),
        ({"encoder.lr": "50"}, "'lr' must be at most 10"),
        ({"encoder.width": "lots"}, "encoder.width"),
        ({"data": "points", "points": "not*points"}, "damaged"),
        ({"family": "flow"}, "unknown family"),
    ],
)
def test_a_bad_link_says_which_field_and_opens_with_the_default(open_page, query, said):
    at = open_page(query)
    assert said in messages(at)
    assert run_of(at).job is not None or query.get("data") == "points"
