"""The Sequences page's fixture: open it with a link in AppTest; the jobs its tabs start are stopped after."""

from __future__ import annotations

import pytest

import dlcore
from ui.state import OWNER

PAGE = "pages/sequences.py"


@pytest.fixture
def open_page(app):
    """open_page(query) -> a run AppTest of the page at that link."""
    opened = []

    def open_(query: dict[str, str] | None = None):
        at = app.run()
        at.switch_page(PAGE)
        at.query_params.clear()
        at.query_params.update(query or {})
        opened.append(at.run())
        assert not at.exception
        return at

    yield open_
    for at in opened:
        for job in dlcore.job_pool().jobs(at.session_state[OWNER]) if OWNER in at.session_state else ():
            job.stop()
            job.wait(5)
