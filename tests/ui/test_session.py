"""One tab = one session: its own owner id and job, and every poll is a heartbeat for that job."""

import time

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def start_long_run(at):
    at.switch_page("pages/train.py").run()
    at.number_input(key="train.epochs").set_value(5000).run()
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception
    return at.session_state["job"]


def test_two_sessions_have_different_owners_and_their_own_jobs(app):
    from streamlit.testing.v1 import AppTest

    first = app.run()
    second = AppTest.from_file(app._script_path, default_timeout=60).run()
    job = start_long_run(first)
    try:
        second.switch_page("pages/train.py").run()
        assert first.session_state["session_owner"] != second.session_state["session_owner"]
        assert job.owner == first.session_state["session_owner"]
        assert "job" not in second.session_state or second.session_state["job"] is None
        assert any("No run yet in this tab" in i.value for i in second.info)
    finally:
        job.stop()
        job.wait(30)


@pytest.mark.parametrize("page", ["pages/train.py", "pages/build.py"])
def test_every_poll_of_a_page_is_a_heartbeat_for_the_tabs_job(app, page):
    at = app.run()
    job = start_long_run(at)
    try:
        at.switch_page(page).run()
        before = job.last_heartbeat
        time.sleep(0.05)
        at.run()  # AppTest does not tick run_every: one run stands for one poll
        assert job.last_heartbeat > before
    finally:
        job.stop()
        job.wait(30)
