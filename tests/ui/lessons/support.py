"""Shared by the lesson tests: the course's lessons by page, opening a page in AppTest, reading the card."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import dlcore
from ui.state import JOB, PLAYGROUND_RUNS

LESSONS = dlcore.lessons.offered_course()[0].lessons


def lessons_on(page: str, kind: str | None = None) -> list[dlcore.lessons.Lesson]:
    """The course's lessons that open `page` (with a question of `kind`, if given)."""
    return [x for x in LESSONS if x.page == page and kind in (None, x.question.kind)]


def open_page(app: AppTest, page: str, query: dict[str, str] | None = None) -> AppTest:
    """A new tab opened at /<page>?<query>."""
    for name, value in (query or {}).items():
        app.query_params[name] = value
    at = app.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    return at


def link_of(at: AppTest) -> dict[str, str]:
    return {name: str(value) for name, value in at.query_params.items()}


def sidebar_text(at: AppTest) -> str:
    """Everything the sidebar says in text: the lesson card's title, steps and place in the course."""
    texts = [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]
    return "\n".join(texts)


def stop_jobs(at: AppTest) -> None:
    """Stop every job this tab started (its Train run, its playground networks)."""
    jobs = [at.session_state[JOB]] if JOB in at.session_state else []
    if PLAYGROUND_RUNS in at.session_state:
        jobs += [run.job for run in at.session_state[PLAYGROUND_RUNS].values()]
    for job in jobs:
        if job is not None:
            job.stop()
            job.wait(10)


def use_course(monkeypatch, *lessons: dlcore.lessons.Lesson) -> None:
    """The app offers these lessons, in this order, as its course (for the length of the test)."""
    course = dlcore.lessons.offered_course()[0]
    patched = dlcore.lessons.Course(course.topics, tuple(lessons))
    monkeypatch.setattr(dlcore.lessons, "offered_course", lambda: (patched, ()))


def button(at: AppTest, label: str):
    """The sidebar's button labelled `label` (the lesson card's)."""
    return next(b for b in at.sidebar.button if b.label == label)
