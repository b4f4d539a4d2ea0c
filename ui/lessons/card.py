"""The open lesson's card, in the sidebar of every page while the lesson is open: where it sits in the
course, what to do, what to notice, the question with its check, and Next / Leave.

The answer is checked on the server (dlcore.lessons.check_answer, or check_challenge on the student's own
run on the lesson's page); a lesson answered right is remembered for this browser session."""

from __future__ import annotations

import streamlit as st

from dlcore import DlcoreError, lessons
from ui.lessons.opening import current_lesson, go_to, leave, open_from_link
from ui.lessons.runs import student_run
from ui.state import LESSON_VERDICT, LESSONS_PASSED

# the sidebar is narrow: slightly smaller text keeps the card short, so the question is soon in view
CARD_CSS = """<style>
.st-key-lesson-card { gap: 0.6rem; }
.st-key-lesson-card p, .st-key-lesson-card li, .st-key-lesson-card label { font-size: 0.9rem; }
</style>"""


def passed_lessons() -> set[str]:
    """The ids of the lessons answered right in this browser session."""
    return st.session_state.setdefault(LESSONS_PASSED, set())


def lesson_card() -> None:
    """The card of the lesson open in this tab (nothing when none is)."""
    lesson = current_lesson()
    if lesson is None:
        return
    course = lessons.offered_course()[0].lessons
    place = course.index(lesson)
    with st.container(border=True, key="lesson-card"):
        st.html(CARD_CSS)
        done = " · ✓ passed" if lesson.id in passed_lessons() else ""
        st.caption(f"Lesson {place + 1} of {len(course)} · {lesson.topic}{done}")
        st.markdown(f"**{lesson.title}**  \n{lesson.goal}")
        st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(lesson.steps, start=1)))
        with st.expander("What to notice"):
            st.markdown(lesson.notice)
        _question(lesson)
        _verdict(lesson)
        following = course[place + 1] if place + 1 < len(course) else None
        if st.button("Next lesson", icon=":material/skip_next:", disabled=following is None, width="stretch"):
            go_to(following)
        st.button("Leave the lesson", icon=":material/close:", on_click=leave, width="stretch")


def _question(lesson: lessons.Lesson) -> None:
    question, key = lesson.question, f"lesson-answer-{lesson.id}"
    if question.kind == "choice":
        st.radio(question.prompt, range(len(question.options)), format_func=question.options.__getitem__,
                 index=None, key=key)  # fmt: skip
    elif question.kind == "number":
        unit = f" ({question.unit})" if question.unit else ""
        st.number_input(f"{question.prompt}{unit}", value=None, format="%g", placeholder="a number", key=key)
    else:
        st.markdown(f"**Challenge:** {question.prompt}")
        st.button("Check my run", on_click=_check_run, args=(lesson,), type="primary", key="lesson-check")
        return
    st.button("Check", on_click=_check_answer, args=(lesson, key), type="primary", key="lesson-check")


def _check_answer(lesson: lessons.Lesson, key: str) -> None:
    _remember(lesson, lessons.check_answer(lesson, st.session_state.get(key)))


def _check_run(lesson: lessons.Lesson) -> None:
    try:
        verdict = lessons.check_challenge(lesson, student_run(lesson.page))
    except DlcoreError as error:  # a run that failed for another reason than diverging
        verdict = lessons.Verdict(False, error.message)
    _remember(lesson, verdict)


def _remember(lesson: lessons.Lesson, verdict: lessons.Verdict) -> None:
    st.session_state[LESSON_VERDICT] = (lesson.id, verdict)
    if verdict.passed:
        passed_lessons().add(lesson.id)


def _verdict(lesson: lessons.Lesson) -> None:
    """What the last Check said, with each condition of a challenge and its measured number."""
    lesson_id, verdict = st.session_state.get(LESSON_VERDICT, (None, None))
    if lesson_id != lesson.id:
        return
    show = st.success if verdict.passed else st.warning
    show(verdict.message, icon=":material/check_circle:" if verdict.passed else ":material/pending:")
    if verdict.outcomes:
        st.markdown("\n".join(f"- {'✓' if o.passed else '✗'} {o.text}" for o in verdict.outcomes))


def lesson_frame(page: str) -> None:
    """app.py's call before the page at URL path `page` runs: a link's lesson opens (ui.lessons.opening),
    and the open lesson's card goes at the top of the sidebar."""
    open_from_link(page)
    with st.sidebar:
        lesson_card()
