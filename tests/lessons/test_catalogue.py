"""The course as pages offer it: a broken lesson is left out with its LessonError, never hiding the others;
the Lessons page's filter round-trips through its link."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlcore import lessons
from dlcore.lessons import lesson as lesson_files
from dlcore.lessons.catalogue import _offered

SHIPPED = lesson_files.LESSON_DIR


@pytest.fixture
def folder(tmp_path):
    """A copy of the shipped lessons to break."""
    for path in SHIPPED.glob("*.json"):
        shutil.copy(path, tmp_path)
    return tmp_path


def add_lesson(folder, lesson_id: str, data) -> None:
    (folder / f"{lesson_id}.json").write_text(json.dumps(data))
    course = json.loads((folder / "course.json").read_text())
    course["lessons"].insert(1, lesson_id)
    (folder / "course.json").write_text(json.dumps(course))


def xor() -> dict:
    return json.loads((SHIPPED / "perceptron_xor.json").read_text())


def test_a_malformed_lesson_fails_the_strict_read_and_is_left_out_of_the_lenient_one(folder):
    add_lesson(folder, "broken", {**xor(), "minutes": 500})
    with pytest.raises(lessons.LessonError, match="Lesson 'broken', field 'minutes'"):
        lessons.read_course(folder)
    errors: list = []
    course = lessons.read_course(folder, errors)
    assert [x.id for x in course.lessons] == [x.id for x in lessons.course().lessons]
    assert [(e.lesson, e.field) for e in errors] == [("broken", "minutes")]


def test_a_file_the_course_does_not_list_is_named_and_the_course_still_reads(folder):
    (folder / "stray.json").write_text(json.dumps(xor()))
    errors: list = []
    assert lessons.read_course(folder, errors).lessons == lessons.course().lessons
    assert [(e.lesson, e.field) for e in errors] == [("stray", "(file)")]


def test_a_lesson_whose_state_its_page_rejects_is_not_offered(folder):
    add_lesson(folder, "nowhere", {**xor(), "state": {"dataset": "nowhere"}})
    course, errors = _offered(folder)
    assert "nowhere" not in [x.id for x in course.lessons]
    assert [(e.lesson, e.field) for e in errors] == [("nowhere", "state")]
    assert len(course.lessons) == len(lessons.course().lessons)


def test_the_shipped_course_is_offered_whole():
    course, errors = lessons.offered_course()
    assert errors == () and course == lessons.course()


TOPICS = lessons.course().topics


@given(st.sampled_from([None, *lessons.LEVELS]), st.sampled_from([None, *TOPICS]))
def test_a_filter_round_trips_through_its_link(level, topic):
    chosen = lessons.LessonFilter(level, topic)
    assert lessons.filter_from_query(lessons.filter_to_query(chosen)) == (chosen, [])


def test_a_filter_link_with_a_level_or_topic_the_course_lacks_names_it_and_ignores_it():
    chosen, problems = lessons.filter_from_query({"level": "expert", "topic": TOPICS[0]})
    assert chosen == lessons.LessonFilter(topic=TOPICS[0])
    assert len(problems) == 1 and "'expert' is not a level" in problems[0]
