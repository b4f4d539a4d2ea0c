"""The Learning page's figures: the stepper shows exactly the numbers revealed so far (autograd's), the
race's frames end on each racer's whole path, the finder marks its suggestion, the schedules show the
chosen one bold."""

from __future__ import annotations

import numpy as np
import pytest

from dlcore import learning, plots
from dlcore.learning.backprop import fmt


def node_text(fig) -> str:
    return " ".join(" ".join(t.text) for t in fig.data if t.text is not None)


def labels(fig) -> str:
    return " ".join(a.text for a in fig.layout.annotations)


def test_the_stepper_reveals_forward_values_then_gradients_then_new_weights():
    trace = learning.trace(learning.BackpropNet())
    steps = learning.steps(trace)
    hidden = trace.neurons[1][0]
    before = plots.backprop_figure(trace, steps, 0)
    assert f"z = {fmt(hidden.z)}" not in labels(before) and "∂" not in labels(before)
    for w in trace.weights:
        assert fmt(w.value) in labels(before)
    after_first = plots.backprop_figure(trace, steps, 1)
    assert f"z = {fmt(hidden.z)}" in labels(after_first) and f"a = {fmt(hidden.a)}" in labels(after_first)
    backward = plots.backprop_figure(trace, steps, len(steps) - 1)
    assert f"L = {fmt(trace.loss)}" in labels(backward)
    assert f"∂L/∂z = {fmt(hidden.dl_dz)}" in labels(backward)
    for w in trace.weights:
        assert f"∂ {fmt(w.grad)}" in labels(backward)
    updated = plots.backprop_figure(trace, steps, len(steps))
    for w in trace.weights:
        assert f"→ {fmt(w.new_value)}" in labels(updated)


@pytest.mark.parametrize("surface", ["rosenbrock", "bowl"])
def test_the_races_last_frame_holds_every_racers_whole_path(surface):
    s = learning.SURFACES.get(surface)
    tracks = learning.race(s, s.start, {"sgd": s.lrs["sgd"], "adam": s.lrs["adam"]})
    fig = plots.race_figure(s, tracks, {"sgd": "SGD", "adam": "Adam"})
    assert 10 <= len(fig.frames) <= 60
    last = fig.frames[-1]
    assert len(last.data) == len(last.traces) == 3 * len(tracks)
    for i, track in enumerate(tracks.values()):
        np.testing.assert_allclose(np.array(last.data[3 * i].x, dtype=float), track.points[:, 0], rtol=1e-6)
    assert fig.layout.updatemenus[0].buttons[0].label == "▶ Play"


def test_the_finder_marks_its_suggestion():
    lrs = np.logspace(-5, 0, 60)
    losses = np.concatenate([np.full(30, 2.0), np.linspace(2.0, 0.2, 25), [0.4, 1.0, 3.0, 9.0, 30.0]])
    finding = learning.LrFinding(lrs, losses, losses, 1e-2, "a rule", None, True)
    fig = plots.lr_finder_figure(finding)
    assert fig.layout.shapes[0].x0 == 1e-2
    assert "suggested: 0.01" in labels(fig)
    assert fig.layout.yaxis.range[1] < 30  # the explosion does not squash the curve


def test_the_chosen_schedule_is_bold():
    curves = {"constant": np.full(10, 0.1), "cosine": np.linspace(0.1, 0, 10)}
    fig = plots.schedule_figure(curves, "cosine", {})
    widths = {t.name: t.line.width for t in fig.data}
    assert widths["cosine (chosen)"] > widths["constant"]
