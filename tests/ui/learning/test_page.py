"""The Learning page in AppTest: each tool opens from a link, its controls change the state and the link,
bad input is refused with a message and keeps what the student set up."""

from __future__ import annotations

import pytest

import dlcore
from tests.ui.pages import open_at
from ui.state import LEARNING, LEARNING_FINDING

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/learning.py"


def open_page(app, query: dict[str, str] | None = None):
    return open_at(app, PAGE, query)


def state_of(at) -> dlcore.learning.LearningState:
    return at.session_state[f"{LEARNING}.state"]


def messages(at) -> str:
    return " ".join(e.value for e in [*at.warning, *at.error])


def test_the_page_opens_on_the_backprop_stepper_and_steps_through_a_round(app):
    at = open_page(app)
    assert state_of(at) == dlcore.learning.LearningState()
    assert "Press **Next**" in " ".join(m.value for m in at.markdown)
    total = len(dlcore.learning.steps(dlcore.learning.trace(dlcore.learning.BackpropNet())))
    for _ in range(total):
        at.button(key="learning.bp.next").click().run()
        assert not at.exception
    assert at.button(key="learning.bp.next").disabled
    assert "Update (SGD" in " ".join(m.value for m in at.markdown)
    at.button(key="learning.bp.round").click().run()
    assert not at.exception and state_of(at).net.rounds == 1


def test_a_network_too_big_for_the_stepper_is_refused_with_a_message_and_the_old_one_kept(app):
    at = open_page(app)
    at.text_input(key="learning.bp.widths").input("4-6-6-2").run()
    assert not at.exception
    assert "at most 30" in messages(at)
    assert state_of(at).net.widths == (2, 2, 1)


def test_unreadable_inputs_are_refused_with_what_to_write(app):
    at = open_page(app)
    at.text_input(key="learning.bp.x").input("one, two").run()
    assert not at.exception
    assert "one number per input" in messages(at)
    assert state_of(at).net.x == (1.0, 0.5)


def test_a_link_opens_the_race_on_its_surface_with_its_racers(app):
    at = open_page(app, {"tool": "race", "surface": "beale", "racers": "sgd:0.002,adam:0.1"})
    assert not at.exception
    state = state_of(at)
    assert (state.tool, state.surface, state.racers) == ("race", "beale", (("sgd", 0.002), ("adam", 0.1)))
    assert len(at.get("plotly_chart")) == 1  # only the open tab's tool runs


def test_each_change_to_the_race_is_written_into_the_link(app):
    at = open_page(app, {"tool": "race"})
    at.selectbox(key="learning.race.surface").select("himmelblau").run()
    at.multiselect(key="learning.race.racers").set_value(["sgd", "adam"]).run()
    at.number_input(key="learning.race.lr.adam").set_value(0.3).run()
    assert not at.exception
    link = {key: at.query_params[key] for key in at.query_params}
    assert link == {"tool": "race", "surface": "himmelblau", "racers": "sgd:0.005,adam:0.3"}
    assert dlcore.learning.link.from_query(link)[0] == state_of(at)


def test_a_start_off_the_map_is_refused_with_the_maps_range(app):
    at = open_page(app, {"tool": "race"})
    at.number_input(key="learning.race.start0").set_value(50.0).run()
    assert not at.exception
    assert "off the Rosenbrock map" in messages(at) and "choose x from -2 to 2" in messages(at)
    assert state_of(at).start is None


def test_a_link_with_a_start_off_the_map_opens_with_a_notice(app):
    at = open_page(app, {"tool": "race", "start": "40,2"})
    assert "off the Rosenbrock map" in messages(at)
    assert state_of(at).start is None


def test_the_finder_suggests_a_rate_and_one_click_puts_it_into_the_train_settings(app):
    at = open_page(app, {"tool": "lr_finder"})
    at.button(key="learning.finder.run").click().run()
    assert not at.exception
    finding = at.session_state[LEARNING_FINDING]["value"]
    assert finding.suggestion is not None
    at.button(key="learning.finder.use").click().run()
    assert not at.exception
    assert at.session_state["train_setup.state"].settings["lr"] == float(f"{finding.suggestion:.2g}")


def test_a_finder_that_diverges_at_once_says_so(app):
    at = open_page(app, {"tool": "lr_finder", "sweep": "50,1000"})
    at.button(key="learning.finder.run").click().run()
    assert not at.exception
    assert "the loss never went down" in messages(at)
