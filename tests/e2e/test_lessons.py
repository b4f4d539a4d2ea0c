"""Every lesson of the course, opened by its link alone (`/<page>?lesson=<id>`) on a fresh server, finds
its page with the lesson's state and its card, and no error. The course is read here, so lessons added
later are opened too."""

from __future__ import annotations

import pytest

import dlcore
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e
LESSONS = dlcore.lessons.course().lessons


@pytest.fixture(scope="module")
def fresh_server():
    with running_app("streamlit-lessons") as url:
        yield url


def train_shows(page, lesson) -> None:
    """The run's summary line names the lesson's dataset and learning rate."""
    state, problems = dlcore.train_link.from_query(dlcore.lessons.lesson_query(lesson))
    assert problems == []
    summary = page.locator(
        "[data-testid='stMain'] [data-testid='stCaptionContainer']", has_text="Training "
    ).first
    summary.wait_for(timeout=30_000)
    text = summary.inner_text()
    assert f"on {state.dataset}" in text and f"lr {state.settings['lr']:g}" in text, text


def playground_shows(page, lesson) -> None:
    """The lesson's dataset is the one picked (unless the lesson hides the picker)."""
    state, problems = dlcore.playground.from_query(dlcore.lessons.lesson_query(lesson))
    assert problems == []
    if not state.hides("dataset"):
        chosen = page.locator(f".st-key-pg-dataset-{state.dataset} [data-testid='stBaseButton-primary']")
        chosen.wait_for(timeout=30_000)


def build_shows(page, lesson) -> None:
    """The model's parameter count is the lesson's model's."""
    spec = dlcore.ModelSpec.from_dict(dlcore.links.unpack(dlcore.lessons.lesson_query(lesson)["model"]))
    total = sum(p.numel() for p in dlcore.build_model(spec).parameters())
    metric = page.locator("[data-testid='stMetric']", has_text="Trainable parameters")
    assert metric.inner_text().split()[-1] == f"{total:,}"


PAGE_SHOWS = {"train": train_shows, "playground": playground_shows, "build": build_shows}


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
def test_a_lessons_link_opens_its_page_with_its_state_and_its_card(browser, helpers, fresh_server, lesson):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme="light")
    page = context.new_page()
    try:
        page.goto(f"{fresh_server}/{dlcore.lessons.lesson_link(lesson)}")
        helpers.wait_for_app(page, timeout_ms=90_000)
        card = page.locator(".st-key-lesson-card")
        card.get_by_text(lesson.title, exact=False).first.wait_for(timeout=60_000)
        helpers.wait_for_app(page)
        helpers.assert_no_errors(page)
        assert page.locator("[data-testid='stAlertContentWarning']").count() == 0  # nothing refused
        assert f"lesson={lesson.id}" in page.url and page.url.split("?")[0].endswith(f"/{lesson.page}")
        if lesson.page in PAGE_SHOWS:
            PAGE_SHOWS[lesson.page](page, lesson)
        helpers.screenshot(page, f"lesson-{lesson.id}")
    finally:
        context.close()


def test_open_on_the_lessons_page_opens_the_lesson_in_one_click(browser, helpers, fresh_server):
    lesson = LESSONS[0]
    context = browser.new_context(viewport={"width": 1280, "height": 720}, color_scheme="light")
    page = context.new_page()
    try:
        page.goto(f"{fresh_server}/lessons")
        helpers.wait_for_app(page, timeout_ms=90_000)
        page.locator(f".st-key-lesson-{lesson.id}").get_by_role("button", name="Open").click()
        page.locator(".st-key-lesson-card").get_by_text(lesson.title).first.wait_for(timeout=60_000)
        page.wait_for_url(f"**/{lesson.page}?*lesson={lesson.id}*", timeout=30_000)
        helpers.wait_for_app(page)
        helpers.assert_no_errors(page)
        helpers.screenshot(page, "lessons-opened")
    finally:
        context.close()
