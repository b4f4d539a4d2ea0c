"""A malformed lesson fails with a sentence naming the lesson and the field; the shipped course is whole."""

import copy
import json

import pytest

from dlcore.lessons import LessonError, check_state, course, lesson_link, read_course, read_lesson
from dlcore.lessons.lesson import LESSON_DIR
from dlcore.lessons.pages import lesson_query

GOOD = json.loads((LESSON_DIR / "learning_rate.json").read_text())


def changed(path: str, value):
    """GOOD with the field at `path` ("question.kind") set to `value` (or removed when value is ...)."""
    data = copy.deepcopy(GOOD)
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("title", ..., "title"),
        ("title", "  ", "title"),
        ("level", "expert", "level"),
        ("minutes", 0, "minutes"),
        ("minutes", 2.5, "minutes"),
        ("steps", [], "steps"),
        ("steps", ["ok", 3], "steps"),
        ("state", "lr=1", "state"),
        ("question.kind", "essay", "question.kind"),
        ("question.conditions", [], "question.conditions"),
        ("question.conditions", [{"value": "test_accuracy"}], "question.conditions[0]"),
        ("question.conditions", [{"value": "x", "below": 1, "above": 0}], "question.conditions[0]"),
        ("question.conditions", [{"value": "x", "below": 1, "by": 2}], "question.conditions[0]"),
        ("claim.runs", {}, "claim.runs"),
        ("claim.expect", ..., "claim.expect"),
        ("claim.says", 5, "says"),
    ],
)
def test_a_malformed_field_is_named(path, value, field):
    with pytest.raises(LessonError) as err:
        read_lesson("broken", changed(path, value))
    assert err.value.field == field
    assert "Lesson 'broken'" in err.value.message and f"'{field}'" in err.value.message


def test_choice_and_number_questions_are_checked():
    choice = {"kind": "choice", "prompt": "?", "explain": "!", "options": ["a", "b"], "answer": 2}
    with pytest.raises(LessonError, match="question.answer"):
        read_lesson("broken", changed("question", choice))
    number = {"kind": "number", "prompt": "?", "explain": "!", "low": 2, "high": 1}
    with pytest.raises(LessonError, match="question.high"):
        read_lesson("broken", changed("question", number))


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("page", "nowhere", "page"),
        ("state", {"model": "no_such_preset"}, "state.model"),
        ("state", {"model": {"input_shape": [64], "layers": [{"type": "Wobble"}]}}, "state.model"),
        ("state", {"data": "digits", "lr": "-1"}, "state"),
        ("state", {"data": "digits", "colour": "red"}, "state"),
        ("state", {"data": "no_such_data"}, "state"),
    ],
)
def test_a_state_its_page_rejects_is_named(path, value, field):
    lesson = read_lesson("broken", changed(path, value))
    with pytest.raises(LessonError) as err:
        check_state(lesson)
    assert err.value.field == field and "Lesson 'broken'" in err.value.message


def test_a_playground_state_with_an_unknown_key_is_rejected():
    lesson = read_lesson(
        "broken", {**changed("page", "playground"), "state": {"dataset": "xor", "speed": "9"}}
    )
    with pytest.raises(LessonError, match="'speed' is not a setting"):
        check_state(lesson)


def write_course(folder, lessons: dict, order: list, topics=("Training",)):
    (folder / "course.json").write_text(json.dumps({"topics": list(topics), "lessons": order}))
    for lesson_id, data in lessons.items():
        (folder / f"{lesson_id}.json").write_text(json.dumps(data))


def test_the_course_lists_every_lesson_once_in_its_order(tmp_path):
    write_course(tmp_path, {"b": GOOD, "a": GOOD}, ["b", "a"])
    assert [(lesson.id, lesson.order) for lesson in read_course(tmp_path).lessons] == [("b", 1), ("a", 2)]
    for order, problem in (
        (["b"], "not listed"),
        (["b", "a", "c"], "c.json is missing"),
        (["a", "b", "a"], "more than once"),
    ):
        write_course(tmp_path, {"b": GOOD, "a": GOOD}, order)
        with pytest.raises(LessonError, match=problem):
            read_course(tmp_path)


def test_a_topic_the_course_does_not_know_is_named(tmp_path):
    write_course(tmp_path, {"a": GOOD}, ["a"], topics=("Foundations",))
    with pytest.raises(LessonError, match="'topic'"):
        read_course(tmp_path)


def test_a_file_that_is_not_json_is_named(tmp_path):
    write_course(tmp_path, {}, ["a"])
    (tmp_path / "a.json").write_text("{ not json")
    with pytest.raises(LessonError, match="Lesson 'a'.*JSON"):
        read_course(tmp_path)


def test_the_shipped_course_is_whole_and_every_lesson_opens_on_its_page():
    lessons = course().lessons
    assert len({lesson.id for lesson in lessons}) == len(lessons)
    for lesson in lessons:
        check_state(lesson)
        assert lesson_link(lesson) == f"{lesson.page}?lesson={lesson.id}"
        assert "lesson" not in lesson_query(lesson)
