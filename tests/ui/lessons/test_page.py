"""The Lessons page in AppTest: the whole course in order, grouped by topic, filtered by level and topic
(in the link), each lesson with its link to paste; a malformed lesson is named with its field and left
out, the others listed, and its link gives a notice instead of a traceback."""

from __future__ import annotations

import json
import shutil
import sys

import pytest
from streamlit.testing.v1 import AppTest

import dlcore
from dlcore.lessons import LESSON_PARAM
from tests.conftest import APP
from tests.ui.lessons.support import LESSONS, link_of, open_page

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TOPICS = dlcore.lessons.offered_course()[0].topics
BY_TOPIC = sorted(LESSONS, key=lambda x: (TOPICS.index(x.topic), LESSONS.index(x)))  # course order in each


def listed(at) -> list[str]:
    """The lessons' headings as the page shows them, top to bottom: "**3. Title**"."""
    return [m.value.split("  \n")[0] for m in at.markdown if m.value.startswith("**") and ". " in m.value]


def heading(lesson) -> str:
    return f"**{LESSONS.index(lesson) + 1}. {lesson.title}**"


def test_the_app_opens_on_the_course_listing_every_lesson_in_order_by_topic(app):
    at = app.run()  # the root URL: a teacher arrives at the course
    assert not at.exception
    assert at.title[0].value.endswith("Lessons")
    assert listed(at) == [heading(x) for x in BY_TOPIC]
    shown_topics = [h.value for h in at.subheader]
    assert shown_topics == [t for t in TOPICS if any(x.topic == t for x in LESSONS)]
    assert not at.error


def test_each_lesson_has_the_link_a_teacher_pastes(app, monkeypatch):
    monkeypatch.setenv("DLP_PUBLIC_URL", "http://192.168.1.20:8501")
    at = open_page(app, "lessons")
    links = [c.value for c in at.code]
    assert links == [f"http://192.168.1.20:8501/{x.page}?{LESSON_PARAM}={x.id}" for x in BY_TOPIC]


def test_the_filters_list_one_level_and_one_topic_and_go_into_the_link(app):
    at = open_page(app, "lessons")
    level, topic = LESSONS[0].level, LESSONS[-1].topic
    at.selectbox(key="lessons-level").set_value(level).run()
    assert listed(at) == [heading(x) for x in BY_TOPIC if x.level == level]
    assert link_of(at) == {"level": level}
    at.selectbox(key="lessons-level").set_value("All").run()
    at.selectbox(key="lessons-topic").set_value(topic).run()
    assert listed(at) == [heading(x) for x in BY_TOPIC if x.topic == topic]
    assert link_of(at) == {"topic": topic}
    reopened = open_page(AppTest.from_file(APP, default_timeout=60), "lessons", link_of(at))  # a new tab
    assert listed(reopened) == listed(at)


def test_a_filter_link_the_course_does_not_have_lists_everything_with_a_notice(app):
    at = open_page(app, "lessons", {"level": "expert"})
    assert "'expert' is not a level" in at.warning[0].value
    assert len(listed(at)) == len(LESSONS)


@pytest.fixture
def broken_course(tmp_path, monkeypatch):
    """The shipped lessons plus two broken ones: a level that does not exist, a state the page rejects."""
    shipped = sys.modules["dlcore.lessons.lesson"].LESSON_DIR
    for path in shipped.glob("*.json"):
        shutil.copy(path, tmp_path)
    xor = json.loads((shipped / "perceptron_xor.json").read_text())
    (tmp_path / "bad_level.json").write_text(json.dumps({**xor, "level": "expert"}))
    (tmp_path / "bad_state.json").write_text(json.dumps({**xor, "state": {"dataset": "nowhere"}}))
    course = json.loads((shipped / "course.json").read_text())
    course["lessons"] += ["bad_level", "bad_state"]
    (tmp_path / "course.json").write_text(json.dumps(course))
    monkeypatch.setattr(sys.modules["dlcore.lessons.lesson"], "LESSON_DIR", tmp_path)


def test_a_malformed_lesson_is_named_with_its_field_and_the_others_are_listed(app, broken_course):
    at = open_page(app, "lessons")
    errors = " ".join(e.value for e in at.error)
    assert "Lesson 'bad_level', field 'level'" in errors and "expert" in errors
    assert "Lesson 'bad_state', field 'state'" in errors and "nowhere" in errors
    assert listed(at) == [heading(x) for x in BY_TOPIC]


def test_a_malformed_lessons_link_gives_a_notice_naming_the_field(app, broken_course, tabs):
    at = open_page(app, "playground", {"lesson": "bad_state"})
    tabs.append(at)
    assert any("Lesson 'bad_state', field 'state'" in w.value for w in at.warning)
    assert "lesson" not in link_of(at)
