"""The job tests' fixtures: a small dataset and a job pool of their own."""

import pytest


@pytest.fixture(scope="module")
def ds():
    """The spiral dataset, loaded once per module."""
    import dlcore

    return dlcore.data.load("spiral")


@pytest.fixture
def pool():
    """A job pool of the test's own, which never reaps (no page sends heartbeats)."""
    from dlcore.jobs import JobPool

    return JobPool(heartbeat_grace_s=600)
