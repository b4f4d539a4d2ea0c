"""Every job a lesson test's tab started is stopped afterwards."""

from __future__ import annotations

import pytest

from tests.ui.lessons.support import stop_jobs


@pytest.fixture
def tabs():
    """A list to put the tested AppTests in; their jobs are stopped after the test."""
    opened: list = []
    yield opened
    for at in opened:
        stop_jobs(at)
