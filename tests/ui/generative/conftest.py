"""The Generative page's fixture: open it (with a link) in AppTest, and stop its job afterwards."""

from __future__ import annotations

import pytest

from tests.ui.generative.support import PAGE, stop_job
from tests.ui.pages import open_at


@pytest.fixture
def open_page(app):
    """open_page(query) -> a run AppTest of the page; its job is stopped afterwards."""
    opened = []

    def open_(query: dict[str, str] | None = None):
        opened.append(open_at(app, PAGE, query))
        return opened[-1]

    yield open_
    for at in opened:
        stop_job(at)
