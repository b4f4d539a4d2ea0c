"""Opening a lesson in this tab, and leaving it.

`LESSON_PAGES` says, for each page lessons open, the PageStates its link fills (the Train page's link also
carries the model on Build) and what else opening a lesson there does. Opening replaces what the tab had
with the lesson's state, all of it or nothing (a state a page refuses leaves the tab as it was, with a
notice); the widgets then show the lesson's values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from dlcore import DlcoreError, lessons
from ui import forms
from ui.build.state import BUILD
from ui.frame import PAGES
from ui.generative import runs as generative_runs
from ui.generative.state import GENERATIVE
from ui.playground import STATE as PLAYGROUND
from ui.playground import runs as playground_runs
from ui.state import LESSON, LESSON_VERDICT, PageState, sync_url
from ui.text import plain
from ui.train import state as train_state


@dataclass(frozen=True)
class LessonPage:
    """A page lessons open: the PageStates its link fills, the key prefixes of its widgets that are seeded
    once from the state (ui.forms: forgotten, so they show the lesson's values) and what else to do."""

    states: tuple[PageState, ...]
    seeded_widgets: tuple[str, ...] = ()
    before_opening: Callable[[], None] | None = None


LESSON_PAGES: dict[str, LessonPage] = {
    "build": LessonPage((BUILD,)),
    "train": LessonPage((BUILD, train_state.TRAIN), (train_state.SETTINGS_WIDGETS, "data")),
    "playground": LessonPage((PLAYGROUND,), before_opening=playground_runs.pause),  # a new lesson waits
    "generative": LessonPage((GENERATIVE,), before_opening=generative_runs.pause),
}


def page_file(page: str) -> str:
    """The file of the page at URL path `page` (pages/<page>.py: see ui.frame.PAGES)."""
    return f"pages/{page}.py"


def current_lesson() -> lessons.Lesson | None:
    """The lesson open in this tab, or None."""
    lesson_id = st.session_state.get(LESSON)
    return next((x for x in lessons.offered_course()[0].lessons if x.id == lesson_id), None)


def find(lesson_id: str) -> lessons.Lesson:
    """The lesson `lesson_id`; DlcoreError saying why when no lesson of that id opens (naming the lesson and
    the field of a malformed one)."""
    course, errors = lessons.offered_course()
    for lesson in course.lessons:
        if lesson.id == lesson_id:
            return lesson
    for error in errors:
        if error.lesson == lesson_id:
            raise DlcoreError(error.message)
    raise DlcoreError(f"There is no lesson '{plain(lesson_id)}': the Lessons page lists every lesson.")


def open_lesson(lesson: lessons.Lesson) -> bool:
    """Load the lesson's state into its page's PageStates and make it this tab's open lesson. False (and
    a notice shown on this run) when its page refuses the state: the tab keeps all it had."""
    page = LESSON_PAGES.get(lesson.page, LessonPage(()))
    query = lessons.lesson_query(lesson)
    try:
        values = [_read(state, query) for state in page.states]
    except DlcoreError as error:
        st.warning(f"The lesson **{lesson.title}** cannot open: {error.message}", icon=":material/school:")
        return False
    if page.before_opening is not None:
        page.before_opening()
    for state, value in zip(page.states, values, strict=True):
        state.replace(value)
    for prefix in page.seeded_widgets:
        forms.forget_widgets(prefix)
    st.session_state[LESSON] = lesson.id
    st.session_state.pop(LESSON_VERDICT, None)
    return True


def _read(state: PageState, query: dict[str, str]):
    """The state `query` holds, validated; DlcoreError with the page's sentences if it refuses any of it."""
    value, problems = state.from_query(query)
    if problems:
        raise DlcoreError(" ".join(problems))
    state.validate(value)
    return value


def go_to(lesson: lessons.Lesson) -> None:
    """Open `lesson` and show its page (the rest of this run is skipped); stay here if it cannot open."""
    if open_lesson(lesson):
        st.switch_page(page_file(lesson.page), query_params={lessons.LESSON_PARAM: lesson.id})


def leave() -> None:
    """Close the open lesson; the page keeps the state the student has now."""
    st.session_state.pop(LESSON, None)
    st.session_state.pop(LESSON_VERDICT, None)
    st.query_params.pop(lessons.LESSON_PARAM, None)


def open_from_link(page: str) -> None:
    """The frame's part, before the page runs: a link `?lesson=<id>` that this tab has not opened yet
    opens the lesson. With `lesson` alone the lesson's state is loaded and written into the URL; with more
    parameters the link's state wins (the student's own, inside the lesson, e.g. after a reload)."""
    query = st.query_params.to_dict()
    lesson_id = query.get(lessons.LESSON_PARAM)
    if lesson_id is None or lesson_id == st.session_state.get(LESSON):
        return
    try:
        lesson = find(lesson_id)
    except DlcoreError as error:
        st.warning(f"This link's lesson cannot open. {error.message}", icon=":material/school:")
        st.query_params.pop(lessons.LESSON_PARAM)
        return
    if set(query) != {lessons.LESSON_PARAM}:
        st.session_state[LESSON] = lesson.id
    elif open_lesson(lesson):
        sync_url(*LESSON_PAGES.get(page, LessonPage(())).states)
    else:
        st.query_params.pop(lessons.LESSON_PARAM)


def page_title(page: str) -> str:
    """The navigation's title of the page at URL path `page` ("2-D Playground" for "playground")."""
    return next((title for file, title, _ in PAGES if file == page_file(page)), page)
