"""The run bar: which buttons a run's status enables and what they say (pure), and the bar on a page."""

import pytest

from ui import run_controls
from ui.run_controls import RunActions, buttons


def noop() -> None:
    pass


EVERYTHING = RunActions(**{name: noop for name in run_controls.LABELS})


def state(status, actions=EVERYTHING, **kwargs) -> dict[str, bool]:
    return {b.name: b.enabled for b in buttons(status, actions, **kwargs)}


def test_before_any_run_start_and_the_steps_are_offered():
    assert state(None) == {
        "start": True, "pause": False, "step_batch": True, "step_epoch": True, "stop": False, "reset": False
    }  # fmt: skip


def test_a_setup_with_a_problem_cannot_start_or_step():
    assert not any(state(None, can_start=False).values())


def test_a_running_run_can_pause_and_stop_only():
    assert state("running") == {
        "start": False, "pause": True, "step_batch": False, "step_epoch": False, "stop": True, "reset": True
    }  # fmt: skip


def test_a_paused_run_offers_resume_in_place_of_pause_and_the_steps():
    bar = buttons("paused", EVERYTHING)
    assert [b.label for b in bar][:2] == ["Start", "Resume"]
    assert state("paused") == {
        "start": False, "resume": True, "step_batch": True, "step_epoch": True, "stop": True, "reset": True
    }  # fmt: skip


def test_a_reset_run_at_step_zero_goes_on_with_start():
    assert state("fresh") == {
        "start": True, "pause": False, "step_batch": True, "step_epoch": True, "stop": True, "reset": True
    }  # fmt: skip


@pytest.mark.parametrize("ended", ["finished", "stopped", "failed"])
def test_after_a_run_ends_the_bar_is_ready_for_a_new_one(ended):
    assert state(ended) == state(None) | {"reset": True}


def test_steps_that_do_not_start_a_run_wait_for_a_paused_one():
    actions = RunActions(start=noop, step_batch=noop, step_starts_run=False)
    assert state(None, actions) == {"start": True, "step_batch": False}
    assert state("paused", actions)["step_batch"]


def test_only_the_actions_a_page_offers_are_drawn_with_its_own_words():
    actions = RunActions(
        resume=noop, pause=noop, reset=noop, labels={"resume": "Play"}, icons={"reset": "undo"}
    )
    bar = buttons("paused", actions)
    assert [(b.name, b.label, b.icon) for b in bar] == [
        ("resume", "Play", "play_arrow"),
        ("reset", "Reset", "undo"),
    ]
    assert [b.name for b in buttons("running", actions)] == ["pause", "reset"]


def test_a_step_that_pauses_can_be_pressed_while_the_run_goes():
    actions = RunActions(resume=noop, pause=noop, step_epoch=noop, reset=noop, step_pauses=True)
    assert state("running", actions) == {"pause": True, "step_epoch": True, "reset": True}
    assert state("running", RunActions(pause=noop, step_epoch=noop)) == {"pause": True, "step_epoch": False}


def test_a_page_names_its_main_buttons():
    actions = RunActions(start=noop, resume=noop, pause=noop, reset=noop, primary=("resume", "pause"))
    for status in ("paused", "running"):
        assert [b.name for b in buttons(status, actions) if b.primary] == [buttons(status, actions)[1].name]
    assert [b.name for b in buttons("paused", EVERYTHING) if b.primary] == ["start"]


class FakeJob:
    def __init__(self, status, step):
        self.status, self._step = status, step

    def progress(self):
        return {"step": self._step}


def test_run_status_calls_a_paused_run_at_step_zero_fresh():
    assert run_controls.run_status(None) is None
    assert run_controls.run_status(FakeJob("paused", 0)) == "fresh"
    assert run_controls.run_status(FakeJob("paused", 3)) == "paused"
    assert run_controls.run_status(FakeJob("running", 0)) == "running"


def bar_page():
    import streamlit as st

    import dlcore
    from ui.run_controls import RunActions, run_bar

    def fail():
        raise dlcore.DataError("the dataset is gone: pick another")

    st.session_state.setdefault("clicks", 0)

    def count():
        st.session_state["clicks"] += 1

    run_bar("demo", None, RunActions(start=count, step_batch=fail, labels={"start": "Go"}))


def test_the_bar_calls_the_action_and_shows_an_action_error_under_it():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(bar_page).run()
    assert [b.label for b in at.button] == ["Go", "Step 1 batch"]
    at.button(key="demo-start").click().run()
    assert at.session_state["clicks"] == 1 and not at.exception
    at.button(key="demo-step_batch").click().run()
    assert not at.exception
    assert any("the dataset is gone" in e.value for e in at.error)
