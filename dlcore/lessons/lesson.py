"""A lesson is data: one JSON file in assets/lessons/ (its id is the file stem), listed in course order in
assets/lessons/course.json. docs/lessons.md describes every field.

This module reads and checks the files. A malformed lesson raises LessonError naming the lesson and the
field, so a broken file fails its test with a sentence, and a page can show that sentence instead of a
traceback.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from dlcore.errors import DlcoreError, excerpt

LESSON_DIR = Path(__file__).resolve().parents[2] / "assets" / "lessons"
COURSE_FILE = "course.json"  # {"topics": [...], "lessons": [ids in course order]}
LEVELS = ("beginner", "intermediate", "advanced")
QUESTION_KINDS = ("choice", "number", "challenge")
LESSON_PARAM = "lesson"  # the query parameter that names the lesson a page is open in


class LessonError(DlcoreError):
    """A lesson file that cannot be used; `lesson` is its id and `field` the field at fault."""

    def __init__(self, lesson: str, field: str, problem: str):
        super().__init__(f"Lesson '{lesson}', field '{field}': {problem}", field=field)
        self.lesson = lesson


@dataclass(frozen=True)
class Condition:
    """One comparison: `value` (a measure, see dlcore.lessons.measures) against `bound`, a number or
    another measure, times `times`. `op` is one of OPS."""

    value: Any
    op: str
    bound: Any
    times: float = 1.0


OPS = {"above": ">", "below": "<", "at_least": "≥", "at_most": "≤"}


@dataclass(frozen=True)
class Question:
    """What the student is asked. `kind`: "choice" (`options`, `answer` = the right option's index),
    "number" (`low` ≤ answer ≤ `high`) or "challenge" (`conditions` on the student's own run on the
    lesson's page, measured on the server). `explain` is shown once the student has answered."""

    kind: str
    prompt: str
    explain: str
    options: tuple[str, ...] = ()
    answer: int | None = None
    low: float | None = None
    high: float | None = None
    unit: str = ""
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Claim:
    """What the lesson says happens, and how its test shows it: `runs` (name -> a run of the lesson's
    page: overrides of its state and how long to train) and `expect` (conditions on their measures)."""

    says: str
    runs: Mapping[str, Mapping[str, Any]]
    expect: tuple[Condition, ...]


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    level: str
    minutes: int
    topic: str
    concept: str
    page: str
    state: Mapping[str, Any]  # the page's link parameters; "model" may be a preset key or a spec dict
    goal: str
    steps: tuple[str, ...]
    notice: str
    question: Question
    claim: Claim
    order: int = field(default=0, compare=False)  # its place in the course, from 1


# ---------------------------------------------------------------- reading


def _text(data: Mapping, name: str, lesson: str, *, optional: bool = False) -> str:
    value = data.get(name, "" if optional else None)
    if not isinstance(value, str) or not (value.strip() or optional):
        raise LessonError(lesson, name, f"needs a text, not {excerpt(value)}")
    return value


def _number(data: Mapping, name: str, lesson: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LessonError(lesson, name, f"needs a number, not {excerpt(value)}")
    return float(value)


def _conditions(items: Any, lesson: str, where: str) -> tuple[Condition, ...]:
    if not isinstance(items, list) or not items:
        example = '{"value": "a.test_loss", "below": 0.1}'
        raise LessonError(lesson, where, f"needs a list of conditions such as {example}")
    out = []
    for i, item in enumerate(items):
        name = f"{where}[{i}]"
        ops = [op for op in OPS if op in item] if isinstance(item, dict) else []
        if len(ops) != 1 or "value" not in item:
            raise LessonError(lesson, name, f"needs a 'value' and exactly one of {', '.join(OPS)}")
        unknown = set(item) - {"value", "times", ops[0]}
        if unknown:
            raise LessonError(lesson, name, f"unknown key {excerpt(sorted(unknown)[0])}")
        times = _number(item, "times", lesson) if "times" in item else 1.0
        out.append(Condition(item["value"], ops[0], item[ops[0]], times))
    return tuple(out)


def _question(data: Any, lesson: str) -> Question:
    if not isinstance(data, dict):
        raise LessonError(lesson, "question", "needs an object with 'kind', 'prompt' and 'explain'")
    kind = data.get("kind")
    if kind not in QUESTION_KINDS:
        kinds = ", ".join(QUESTION_KINDS)
        raise LessonError(lesson, "question.kind", f"{excerpt(kind)} is not one of {kinds}")
    prompt, explain = _text(data, "prompt", lesson), _text(data, "explain", lesson)
    if kind == "choice":
        options = data.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(isinstance(o, str) for o in options):
            raise LessonError(lesson, "question.options", "needs at least two options, each a text")
        answer = data.get("answer")
        if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
            last = len(options) - 1
            raise LessonError(lesson, "question.answer", f"needs the right option's index, 0 to {last}")
        return Question(kind, prompt, explain, options=tuple(options), answer=answer)
    if kind == "number":
        low, high = _number(data, "low", lesson), _number(data, "high", lesson)
        if not low <= high:
            raise LessonError(lesson, "question.high", f"must be at least 'low' ({low:g})")
        unit = _text(data, "unit", lesson, optional=True)
        return Question(kind, prompt, explain, low=low, high=high, unit=unit)
    conditions = _conditions(data.get("conditions"), lesson, "question.conditions")
    return Question(kind, prompt, explain, conditions=conditions)


def _claim(data: Any, lesson: str) -> Claim:
    if not isinstance(data, dict):
        raise LessonError(lesson, "claim", "needs an object with 'says', 'runs' and 'expect'")
    runs = data.get("runs")
    if not isinstance(runs, dict) or not runs or not all(isinstance(r, dict) for r in runs.values()):
        raise LessonError(lesson, "claim.runs", "needs at least one named run, each an object")
    return Claim(_text(data, "says", lesson), runs, _conditions(data.get("expect"), lesson, "claim.expect"))


def read_lesson(lesson_id: str, data: Any, order: int = 0) -> Lesson:
    """A Lesson from the JSON data of file `<lesson_id>.json`; LessonError naming the field if malformed.
    Whether its state fits its page is checked by dlcore.lessons.pages.check_state."""
    if not isinstance(data, dict):
        raise LessonError(lesson_id, "(file)", "needs a JSON object")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) and s.strip() for s in steps):
        raise LessonError(lesson_id, "steps", "needs a list of at least one step, each a text")
    level = data.get("level")
    if level not in LEVELS:
        raise LessonError(lesson_id, "level", f"{excerpt(level)} is not one of {', '.join(LEVELS)}")
    state = data.get("state", {})
    if not isinstance(state, dict):
        raise LessonError(lesson_id, "state", "needs an object of the page's link parameters")
    minutes = _number(data, "minutes", lesson_id)
    if not 1 <= minutes <= 120 or minutes != int(minutes):
        raise LessonError(lesson_id, "minutes", "needs a whole number of minutes from 1 to 120")
    return Lesson(
        id=lesson_id,
        title=_text(data, "title", lesson_id),
        level=level,
        minutes=int(minutes),
        topic=_text(data, "topic", lesson_id),
        concept=_text(data, "concept", lesson_id),
        page=_text(data, "page", lesson_id),
        state=state,
        goal=_text(data, "goal", lesson_id),
        steps=tuple(steps),
        notice=_text(data, "notice", lesson_id),
        question=_question(data.get("question"), lesson_id),
        claim=_claim(data.get("claim"), lesson_id),
        order=order,
    )


def _read_json(path: Path, lesson: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise LessonError(lesson, "(file)", f"cannot be read as JSON: {err}") from None


@dataclass(frozen=True)
class Course:
    topics: tuple[str, ...]
    lessons: tuple[Lesson, ...]  # in course order

    def lesson(self, lesson_id: str) -> Lesson:
        """The lesson `lesson_id`; DlcoreError (field "lesson") for an unknown id."""
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise DlcoreError(f"There is no lesson {excerpt(lesson_id)}.", field=LESSON_PARAM)


def read_course(folder: Path = LESSON_DIR, errors: list[LessonError] | None = None) -> Course:
    """Every lesson in `folder`, in the order course.json gives; LessonError for a malformed file, a lesson
    the course does not list (or lists twice) or a topic it does not know. Given a list `errors`, such a
    lesson is left out and its LessonError appended there instead, so one broken file hides no other."""
    course = _read_json(folder / COURSE_FILE, "(course)")
    topics, order = course.get("topics"), course.get("lessons")
    if not isinstance(topics, list) or not isinstance(order, list):
        raise LessonError("(course)", "lessons", "course.json needs a list of 'topics' and one of 'lessons'")

    def refuse(error: LessonError) -> None:
        if errors is None:
            raise error
        errors.append(error)

    files = {path.stem for path in folder.glob("*.json")} - {Path(COURSE_FILE).stem}
    for lesson_id in sorted(files - set(order)):
        refuse(LessonError(lesson_id, "(file)", "is not listed in course.json's 'lessons'"))
    for lesson_id in sorted(set(order) - files):
        refuse(LessonError(lesson_id, "(file)", f"is listed in course.json, but {lesson_id}.json is missing"))
    for lesson_id in sorted({i for i in order if order.count(i) > 1}):
        refuse(LessonError(lesson_id, "(file)", "is listed more than once in course.json"))
    lessons = []
    for place, lesson_id in enumerate(dict.fromkeys(i for i in order if i in files), start=1):
        try:
            lesson = read_lesson(lesson_id, _read_json(folder / f"{lesson_id}.json", lesson_id), place)
            if lesson.topic not in topics:
                unknown = f"{excerpt(lesson.topic)} is not a topic of course.json"
                raise LessonError(lesson_id, "topic", unknown)
        except LessonError as error:
            refuse(error)
            continue
        lessons.append(lesson)
    return Course(tuple(topics), tuple(lessons))


@cache
def course() -> Course:
    """The shipped course (read once per process)."""
    return read_course()
