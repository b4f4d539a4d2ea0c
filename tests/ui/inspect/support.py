"""Shared by the Inspect, Explain and Adversarial page tests: one quick model per test module, and opening
a page of the app with it as the tab's job. (No tests in here.)"""

from __future__ import annotations

import pytest

from ui.inspect.subject import quick_job


@pytest.fixture(scope="module")
def trained_job():
    job = quick_job("page-tests")
    assert job.wait(120), "the quick model did not finish training"
    yield job
    job.stop()


def open_page(app, page: str, job=None):
    """Run the app on `page` (with `job` as this tab's training job) and check it ran cleanly."""
    if job is not None:
        app.session_state["job"] = job
    app.switch_page(page)
    at = app.run()
    assert not at.exception
    return at
