"""The Learning page's link: every setup round-trips, only changes are written, and a bad value keeps its
default with a sentence naming it."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from dlcore.learning import SURFACES, TOOLS, BackpropNet, LearningState
from dlcore.learning.link import from_query, to_query, validate


def test_a_new_tabs_page_writes_an_empty_link():
    assert to_query(LearningState()) == {}
    assert from_query({}) == (LearningState(), [])


@given(
    tool=st.sampled_from(TOOLS),
    widths=st.sampled_from([(2, 2, 1), (3, 2, 2), (1, 4, 1), (2, 3, 2, 2)]),
    loss=st.sampled_from(["mse", "cross_entropy"]),
    surface=st.sampled_from(SURFACES.names()),
    lr=st.floats(1e-4, 1.0),
    racers=st.lists(st.sampled_from(["sgd", "adam", "rmsprop", "nesterov"]), unique=True, max_size=4),
)
def test_every_setup_round_trips_through_its_link(tool, widths, loss, surface, lr, racers):
    if loss == "cross_entropy" and widths[-1] < 2:
        loss = "mse"
    net = replace(BackpropNet().resized(widths), loss=loss, lr=lr, activation="tanh")
    state = replace(
        LearningState(tool=tool, net=net).with_surface(surface), racers=tuple((r, lr) for r in racers)
    )
    validate(state)
    assert from_query(to_query(state)) == (state, [])


def test_bad_values_keep_their_defaults_and_are_named():
    state, problems = from_query({"tool": "magic", "bp.net": "5-5-1", "surface": "moon", "racers": "sgd:abc"})
    assert state == LearningState()
    assert len(problems) == 4
    assert "tool" in problems[0] and "at most 30" in problems[1] and "did you mean" not in problems[2]
    assert "not a value of the right kind" in problems[3]


def test_a_start_off_the_map_in_a_link_is_named_with_the_maps_range():
    state, problems = from_query({"surface": "bowl", "start": "10,0"})
    assert state.surface == "bowl" and state.start is None
    assert problems == [
        "The link's start could not be used: the start (10, 0) is off the Ill-conditioned bowl map: choose x "
        "from -3 to 3 and y from -1.5 to 1.5"
    ]
