"""The playground rewound: the boundary and every neuron drawn as they were at a moment training kept."""

from __future__ import annotations

import pytest

from tests.ui.playground.support import job_of
from ui.playground import views


@pytest.fixture
def drawn(monkeypatch) -> dict:
    """The figures the playground's live views draw, by chart key (the last one drawn under each)."""
    figures = {}

    def record(figure, key, config=None):
        figures[key] = figure.to_plotly_json()
        return []

    monkeypatch.setattr(views, "steady_chart", record)
    return figures


def test_rewinding_to_step_0_shows_the_network_as_it_was_before_training(open_page, drawn):
    at = open_page()
    before = {key: drawn[key] for key in ("playground-plane-A", "playground-network-A")}
    assert not at.select_slider  # nothing kept before training starts
    at.button(key="pg-step_epoch").click().run()
    job = job_of(at)
    job.wait(0.5)
    while job.status != "paused":
        job.wait(0.05)
    at.run()
    assert drawn["playground-plane-A"] != before["playground-plane-A"]  # it learnt something

    at.select_slider(key="pg-rewind-A").set_value(0).run()
    assert not at.exception
    assert any("Rewound to step</span> 0" in m.value for m in at.markdown)
    assert {key: drawn[key] for key in before} == before

    at.select_slider(key="pg-rewind-A").set_value("live").run()
    assert drawn["playground-plane-A"] != before["playground-plane-A"]
    assert not any("Rewound" in m.value for m in at.markdown)


def test_a_rewound_network_cannot_be_edited_and_keeps_training_from_its_live_weights(open_page, drawn):
    at = open_page()
    at.button(key="pg-step_epoch").click().run()
    job = job_of(at)
    while job.status != "paused":
        job.wait(0.05)
    at.run()
    assert "Click one" in " ".join(c.value for c in at.caption)
    live = job.snapshot().state_dict()
    at.select_slider(key="pg-rewind-A").set_value(0).run()
    assert not at.exception
    assert "Click one" not in " ".join(c.value for c in at.caption)  # no weight editor on the past
    runs = at.session_state["playground_runs"]
    for name, value in runs["A"].weights.items():  # what a new job would continue from: the live weights
        assert (value == live[name]).all()
