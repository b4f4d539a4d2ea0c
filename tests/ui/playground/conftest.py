"""The playground page's fixture: open it (with a link) in AppTest, and stop its jobs afterwards."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.playground.support import APP, PAGE, stop_jobs


@pytest.fixture
def open_page(app):
    """open_page(query) -> a run AppTest of the page; every job it started is stopped afterwards."""
    apps = []

    def open_(query: dict[str, str] | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60).run()  # in app.py's frame (see the app fixture)
        at.switch_page(PAGE)
        at.query_params.clear()
        for key, value in (query or {}).items():
            at.query_params[key] = value
        at.run()
        assert not at.exception
        apps.append(at)
        return at

    yield open_
    for at in apps:
        stop_jobs(at)
