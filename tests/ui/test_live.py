"""Polling under load: every page keeps updating, less often when many runs train at once, and never so
rarely that the job pool would take its tab for closed."""

from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlcore
from ui import live


def jobs(**counts):
    return [SimpleNamespace(status=status) for status, n in counts.items() for _ in range(n)]


@pytest.fixture
def server(monkeypatch):
    """Pretend these jobs are alive on the server."""
    alive = []
    monkeypatch.setattr(dlcore, "job_pool", lambda: SimpleNamespace(jobs=lambda: alive))
    return alive


def test_pages_poll_at_full_rate_until_more_runs_train_than_the_server_draws_at_full_rate(server):
    server[:] = jobs(running=live.FULL_RATE_RUNS, paused=3, queued=2)  # only training counts
    assert live.load_factor() == 1
    server[:] = jobs(running=live.FULL_RATE_RUNS + 1)
    assert live.load_factor() == 2
    server[:] = jobs(running=10)
    factor = live.load_factor()
    assert factor == -(-10 // live.FULL_RATE_RUNS)
    training = SimpleNamespace(status="running")
    assert live.poll_interval(training, live.POLL_S, factor) == pytest.approx(live.POLL_S * factor)


def test_what_to_poll_for_each_status():
    interval = live.poll_interval
    assert interval(SimpleNamespace(status="running")) == live.POLL_S
    assert interval(SimpleNamespace(status="queued")) == live.POLL_S  # starts any moment: watch closely
    assert interval(SimpleNamespace(status="paused")) == live.SIDEBAR_POLL_S  # only the heartbeat
    for ended in ("finished", "stopped", "failed"):
        assert interval(SimpleNamespace(status=ended)) is None
    assert interval(None) is None


@given(
    seconds=st.sampled_from([0.1, live.POLL_S, live.SIDEBAR_POLL_S, 5.0]),
    running=st.integers(0, 500),
    status=st.sampled_from(["running", "queued", "paused"]),
)
def test_however_busy_the_server_a_page_polls_before_its_tab_would_be_reaped(seconds, running, status):
    factor = max(1, -(-running // live.FULL_RATE_RUNS))
    interval = live.poll_interval(SimpleNamespace(status=status), seconds, factor)
    assert seconds <= interval <= max(seconds, live.MAX_POLL_S)
    assert interval < dlcore.JobPool().heartbeat_grace_s / 2
