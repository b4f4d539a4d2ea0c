"""The course as pages offer it, and the Lessons page's filter as a link.

`offered_course()` is every lesson that opens: a lesson whose file is malformed, or whose state its page
would reject, is left out with its LessonError (naming the lesson and the field), so one broken file never
hides the others or breaks a page. `LessonFilter` is which lessons the Lessons page lists
(`?level=beginner&topic=Training`), read and written like every page's state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from dlcore.errors import DlcoreError, excerpt
from dlcore.lessons import lesson as lesson_files
from dlcore.lessons.lesson import LEVELS, Course, Lesson, LessonError, read_course
from dlcore.lessons.pages import check_state


def offered_course() -> tuple[Course, tuple[LessonError, ...]]:
    """The lessons that open, in course order, and a LessonError for each lesson that does not (a course
    file that cannot be read at all gives no lessons and its error). Read once per process."""
    return _offered(lesson_files.LESSON_DIR)


@cache
def _offered(folder: Path) -> tuple[Course, tuple[LessonError, ...]]:
    errors: list[LessonError] = []
    try:
        course = read_course(folder, errors)
    except LessonError as error:
        return Course((), ()), (error,)
    opening = []
    for lesson in course.lessons:
        try:
            check_state(lesson)
        except LessonError as error:
            errors.append(error)
            continue
        opening.append(lesson)
    return replace(course, lessons=tuple(opening)), tuple(errors)


@dataclass(frozen=True)
class LessonFilter:
    """The lessons the Lessons page lists: those of `level` and `topic` (None: every one)."""

    level: str | None = None
    topic: str | None = None

    def shows(self, lesson: Lesson) -> bool:
        return self.level in (None, lesson.level) and self.topic in (None, lesson.topic)


FILTER_KEYS = ("level", "topic")


def filter_from_query(query: Mapping[str, Any]) -> tuple[LessonFilter, list[str]]:
    """The filter in a link; a level or topic the course does not have is ignored, with a sentence."""
    chosen, problems = LessonFilter(), []
    for key in FILTER_KEYS:
        if key not in query:
            continue
        candidate = replace(chosen, **{key: str(query[key])})
        try:
            validate_filter(candidate)
        except DlcoreError as err:
            problems.append(f"{err.message} All lessons are listed instead.")
            continue
        chosen = candidate
    return chosen, problems


def filter_to_query(chosen: LessonFilter) -> dict[str, str]:
    return {key: getattr(chosen, key) for key in FILTER_KEYS if getattr(chosen, key) is not None}


def validate_filter(chosen: LessonFilter) -> None:
    """DlcoreError naming the field when the level or the topic is not one the course has."""
    if chosen.level is not None and chosen.level not in LEVELS:
        raise DlcoreError(f"{excerpt(chosen.level)} is not a level ({', '.join(LEVELS)}).", field="level")
    topics = offered_course()[0].topics
    if chosen.topic is not None and chosen.topic not in topics:
        raise DlcoreError(f"{excerpt(chosen.topic)} is not a topic ({', '.join(topics)}).", field="topic")
