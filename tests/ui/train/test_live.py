"""The Train page's live view of what a run makes: redrawn as the run trains on, but never taking more
than its share of the time (a diffusion model walks back through every noise level for one picture)."""

from types import SimpleNamespace

import pytest
import streamlit as st

import dlcore
from ui.state import LIVE_VIEW
from ui.train import live


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: now[0])
    st.session_state.pop(LIVE_VIEW, None)
    return now


def test_a_costly_view_is_made_less_often_so_the_run_keeps_training(clock, monkeypatch):
    made = []

    def view(job):
        made.append(job.progress()["step"])
        clock[0] += 0.1  # 100 ms to make
        return f"picture at step {made[-1]}"

    monkeypatch.setattr(dlcore, "live_view", view)
    job = SimpleNamespace(progress=lambda: {"step": job.step}, step=1)
    assert live.sample_view(job) == "picture at step 1"
    job.step, clock[0] = 2, 100.3  # trained on, but 100 ms is more than VIEW_SHARE of 0.3 s
    assert live.sample_view(job) == "picture at step 1" and made == [1]
    clock[0] = 100.0 + 0.1 / live.VIEW_SHARE
    assert live.sample_view(job) == "picture at step 2"
    clock[0] += 10
    assert live.sample_view(job) == "picture at step 2" and made == [1, 2]  # nothing new: not redrawn


def test_a_run_that_makes_nothing_to_show_is_asked_once(clock, monkeypatch):
    asked = []
    monkeypatch.setattr(dlcore, "live_view", lambda job: asked.append(job))
    job = SimpleNamespace(progress=lambda: {"step": job.step}, step=1)
    for step in range(1, 5):
        job.step, clock[0] = step, clock[0] + 1
        assert live.sample_view(job) is None
    assert len(asked) == 1
