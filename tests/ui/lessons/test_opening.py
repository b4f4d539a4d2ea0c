"""A lesson open on its page, in AppTest: its link (`/<page>?lesson=<id>` alone) loads its state into the
page, replacing what the tab had, and the widgets show it; a link with the student's state keeps that
state; a bad lesson gives a notice, never a traceback."""

from __future__ import annotations

import pytest

import dlcore
import dlcore.playground as pg
from tests.ui.lessons.support import lessons_on, link_of, open_page, sidebar_text
from ui.playground import STATE as PLAYGROUND
from ui.train.state import TRAIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TRAIN_LESSON = next(x for x in lessons_on("train") if {"lr", "data"} <= set(x.state))
PLAYGROUND_LESSON = next(x for x in lessons_on("playground") if "compare" in x.state)  # e.g. perceptron_xor


def test_a_train_lessons_link_opens_its_state_and_writes_it_into_the_link(app, tabs):
    at = open_page(app, "train", {"lesson": TRAIN_LESSON.id})
    tabs.append(at)
    expected = dlcore.lessons.lesson_query(TRAIN_LESSON)
    assert at.number_input(key="train.lr").value == float(TRAIN_LESSON.state["lr"])
    assert at.selectbox(key="data.name").value == TRAIN_LESSON.state["data"]
    link = link_of(at)
    assert link["lesson"] == TRAIN_LESSON.id and link["model"] == expected["model"]
    assert TRAIN.from_query(link)[0] == TRAIN.from_query(expected)[0]
    assert TRAIN_LESSON.title in sidebar_text(at)
    assert not at.warning


def test_opening_a_lesson_replaces_what_the_tab_had_and_the_widgets_show_it(app, tabs):
    at = open_page(app, "train", {"data": "spiral", "lr": "0.0003"})
    tabs.append(at)
    assert at.number_input(key="train.lr").value == 0.0003
    at.switch_page("pages/lessons.py").run()
    at.button(key=f"open-{TRAIN_LESSON.id}").click().run()
    assert not at.exception
    assert at.number_input(key="train.lr").value == float(TRAIN_LESSON.state["lr"])  # not the tab's 0.0003
    assert at.selectbox(key="data.name").value == TRAIN_LESSON.state["data"]
    assert link_of(at)["lesson"] == TRAIN_LESSON.id


def test_the_playground_menu_opens_a_lesson_over_the_tabs_own_network(app, tabs):
    at = open_page(app, "playground", {"dataset": "spiral", "layers": "6,6,6"})
    tabs.append(at)
    menu = at.selectbox(key="pg-lesson")
    assert set(menu.options) == {x.title for x in lessons_on("playground")}  # the course's, in its order
    menu.set_value(PLAYGROUND_LESSON.id).run()
    assert not at.exception
    expected = pg.from_query(dlcore.lessons.lesson_query(PLAYGROUND_LESSON))[0]
    assert at.session_state[PLAYGROUND.key] == expected
    assert at.toggle(key="pg-compare").value is True  # A/B shows
    assert at.number_input(key="pg-A-layers").value == len(expected.a.hidden)
    assert link_of(at)["lesson"] == PLAYGROUND_LESSON.id
    assert link_of(at)["dataset"] == expected.dataset
    assert PLAYGROUND_LESSON.title in sidebar_text(at)


def test_a_link_with_the_students_own_state_keeps_it_inside_the_lesson(app, tabs):
    """A reload: the link carries the lesson and what the student changed; the student's state wins."""
    at = open_page(
        app, "train", {**dlcore.lessons.lesson_query(TRAIN_LESSON), "lr": "0.02", "lesson": TRAIN_LESSON.id}
    )
    tabs.append(at)
    assert at.number_input(key="train.lr").value == 0.02
    assert TRAIN_LESSON.title in sidebar_text(at)
    assert link_of(at)["lesson"] == TRAIN_LESSON.id and link_of(at)["lr"] == "0.02"


def test_an_unknown_lesson_gives_a_notice_and_opens_the_page_as_it_is(app, tabs):
    at = open_page(app, "train", {"lesson": "no_such_lesson"})
    tabs.append(at)
    assert any("There is no lesson 'no_such_lesson'" in w.value for w in at.warning)
    assert "lesson" not in link_of(at)
    assert "Check" not in [b.label for b in at.sidebar.button]


def test_leaving_a_lesson_keeps_the_students_state_and_drops_the_lesson_from_the_link(app, tabs):
    at = open_page(app, "playground", {"lesson": PLAYGROUND_LESSON.id})
    tabs.append(at)
    state = at.session_state[PLAYGROUND.key]
    next(b for b in at.sidebar.button if b.label == "Leave the lesson").click().run()
    assert not at.exception
    assert "lesson" not in link_of(at)
    assert PLAYGROUND_LESSON.title not in sidebar_text(at)
    assert at.session_state[PLAYGROUND.key] == state
