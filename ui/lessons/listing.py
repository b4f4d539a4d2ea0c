"""The Lessons page's parts: the lessons that cannot open (and why), the filter, and the course by topic,
each lesson with what it teaches, an Open button and the link a teacher pastes."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from dlcore import lessons
from ui.address import page_url
from ui.lessons.opening import go_to, page_title
from ui.state import LESSONS_FILTER, PageState, bind

FILTER: PageState[lessons.LessonFilter] = PageState(
    LESSONS_FILTER, lessons.filter_from_query, lessons.filter_to_query, lessons.validate_filter
)
EVERY = "All"  # what the filters show for "no filter" (a select box cannot hold None)


def draw_broken(errors: tuple[lessons.LessonError, ...]) -> None:
    """Each lesson that cannot open, naming its field; the others are listed as usual."""
    for error in errors:
        st.error(
            f"{error.message} This lesson is left out below until its file in assets/lessons/ is fixed.",
            icon=":material/report:",
        )


def draw_filters(course: lessons.Course) -> None:
    """The level and topic select boxes, bound to the page's state (and so to its link)."""
    chosen = FILTER.current()
    level_col, topic_col, _ = st.columns([1, 1, 2])
    for column, field, options in (
        (level_col, "level", lessons.LEVELS),
        (topic_col, "topic", course.topics),
    ):
        key = bind(f"lessons-{field}", getattr(chosen, field) or EVERY)
        column.selectbox(
            field.title(),
            [EVERY, *options],
            format_func=str.capitalize if field == "level" else str,
            **FILTER.on_change(key, lambda s, v, f=field: replace(s, **{f: None if v == EVERY else v})),
        )


def draw_lessons(course: lessons.Course, passed: set[str]) -> None:
    """The lessons the filter lets through, in course order, grouped by topic."""
    chosen = FILTER.current()
    shown = [(number, x) for number, x in enumerate(course.lessons, start=1) if chosen.shows(x)]
    if not shown:
        st.info("No lesson matches this level and topic.", icon=":material/filter_alt_off:")
    for topic in course.topics:
        in_topic = [(number, x) for number, x in shown if x.topic == topic]
        if in_topic:
            st.subheader(topic)
        for number, lesson in in_topic:
            _lesson_row(number, lesson, lesson.id in passed)


def _lesson_row(number: int, lesson: lessons.Lesson, passed: bool) -> None:
    with st.container(border=True, key=f"lesson-{lesson.id}"):
        text_col, link_col = st.columns([3, 2.4], vertical_alignment="center")
        with text_col:
            tick = " ✓" if passed else ""
            st.markdown(f"**{number}. {lesson.title}**{tick}  \n{lesson.concept}")
            where = page_title(lesson.page)
            st.caption(f"{lesson.level.capitalize()} · {lesson.minutes} min · on the {where} page")
        with link_col:
            if st.button("Open", key=f"open-{lesson.id}", type="primary", icon=":material/school:"):
                go_to(lesson)
            st.code(page_url(lessons.lesson_link(lesson)), language=None, wrap_lines=True)
