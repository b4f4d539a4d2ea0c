"""The state-space tab in AppTest: it opens from a link, its settings go into the link, Start trains the
chosen layer through the engine and the half-lives and impulse response are drawn while it learns."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STATE = "sequences.state_space.state"


def messages(at) -> str:
    return " ".join(e.value for e in [*at.warning, *at.error])


def test_a_link_opens_the_tab_with_its_settings_and_draws_the_starting_memory(open_page):
    at = open_page({"tab": "state_space", "state_space.layer": "SelectiveSSM", "state_space.delay": "30"})
    state = at.session_state[STATE]
    assert (state.layer, state.delay) == ("SelectiveSSM", 30)
    assert not messages(at)
    assert any("Before training" in c.value and "gap of 30" in c.value for c in at.caption)


def test_changing_a_setting_changes_the_link(open_page):
    at = open_page({"tab": "state_space"})
    at.selectbox(key="seq-ssm-settings.start").select("long").run()
    assert not at.exception
    assert at.query_params["state_space.start"] == "long"


def test_a_delay_the_task_cannot_have_is_refused_with_a_message_and_the_tab_still_opens(open_page):
    at = open_page({"tab": "state_space", "state_space.delay": "5000"})
    assert "'delay' must be at most 200" in messages(at)
    assert at.session_state[STATE].delay == 60


def test_start_trains_the_chosen_layer_and_the_views_follow(open_page):
    at = open_page({"tab": "state_space", "state_space.delay": "10", "state_space.channels": "4"})
    at.button(key="seq-ssm-start").click().run()
    assert not at.exception
    job = at.session_state["seq_ssm_job"]
    try:
        assert job.spec.layers[0].type == "DiagonalSSM"
        for _ in range(120):  # every run of the page is a heartbeat that keeps the job alive
            at.run()
            assert not at.exception
            if len(job.epoch_metrics()) >= 2:
                break
            time.sleep(0.25)
        at.run()
        assert any(c.value.startswith("Epoch ") and "validation accuracy" in c.value for c in at.caption)
    finally:
        job.stop()
        job.wait(5)
