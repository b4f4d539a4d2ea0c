"""A whole classroom challenge in real browsers: the teacher unlocks the teacher's view, creates a class and
sets a challenge; two students join with the code shown, open the challenge on Train, train, and hand their
runs in; the teacher's leaderboard ranks them by their scores on the hidden examples, and the class's
results download as CSV. Screenshots of each view at 1280×720 are kept for a person to look at."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dlcore
from tests.e2e.conftest import ARTIFACTS, running_app

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse"
PROJECTOR = {"width": 1280, "height": 720}
STUDENTS = {"Ada": 1, "Grace": 4}  # name -> epochs: the longer run scores higher, the leaderboard shows it


@pytest.fixture
def classroom_url(tmp_path, monkeypatch):
    """A server with a teacher password and its own database (read here too, through the engine)."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLP_TEACHER_PASSWORD", PASSWORD)
    with running_app("classroom-server") as url:
        yield url


def new_tab(browser):
    return browser.new_context(viewport=PROJECTOR).new_page()


def teacher_sets_a_challenge(page, url: str, helpers) -> str:
    """The teacher's part before the class starts; returns the class's code as the page shows it."""
    page.goto(f"{url}/classroom?as=teacher")
    helpers.wait_for_app(page, timeout_ms=90_000)
    page.get_by_label("Teacher password").fill(PASSWORD)
    page.get_by_role("button", name="Open the teacher's view").click()
    page.get_by_role("button", name="New class").click()
    page.get_by_label("Name of the class").fill("Year 11")
    page.get_by_role("button", name="Create", exact=True).click()
    code = page.locator(".class-code")
    code.wait_for(timeout=30_000)
    page.get_by_label("Title").fill("Digits, small")
    page.get_by_label("At most epochs (0: any)").fill("5")
    page.get_by_role("button", name="Set the challenge").click()
    page.get_by_text("Train on digits and reach").first.wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    page.screenshot(path=str(ARTIFACTS / "classroom-teacher-challenges.png"))
    return code.inner_text().strip()


def student_hands_in(page, url: str, code: str, name: str, epochs: int, helpers) -> None:
    """A student's part: join through the teacher's link, train on the challenge's data, hand the run in."""
    page.goto(f"{url}/classroom?code={code}")
    helpers.wait_for_app(page, timeout_ms=90_000)
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join", exact=True).click()
    page.get_by_text(f"You are {name} in Year 11").wait_for(timeout=30_000)
    page.get_by_role("button", name="Open on Train").click()
    page.wait_for_url("**/train?**", timeout=30_000)
    helpers.wait_for_app(page)
    page.locator("summary", has_text="Data and settings").click()
    page.get_by_text("A classroom challenge's data").wait_for()
    spin = page.get_by_role("spinbutton", name="epochs")
    spin.fill(str(epochs))
    spin.press("Enter")
    helpers.wait_for_app(page)
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Test results of").wait_for(timeout=120_000)
    helpers.wait_for_app(page)
    open_from_the_sidebar(page, "Classroom")  # the same tab (session): still the student
    page.get_by_role("button", name="Hand in").click()
    page.get_by_text("scored on examples you never saw").wait_for(timeout=60_000)  # the hand-ins' table
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)


def open_from_the_sidebar(page, title: str) -> None:
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name=title)
    if not link.is_visible():  # the navigation folds its last pages under "View N more"
        page.get_by_test_id("stSidebarNav").get_by_text(re.compile(r"^View \d+ more$")).click()
    link.click()


def leaderboard_names(page) -> list[str]:
    """The student column of the leaderboard, top to bottom, as the grid shows it."""
    cells = page.get_by_test_id("stDataFrame").first.locator("[role=gridcell]").all_inner_texts()
    return [text for text in cells if text in STUDENTS]


def test_teacher_creates_two_students_hand_in_and_the_leaderboard_ranks_them(classroom_url, browser, helpers):
    teacher = new_tab(browser)
    code = teacher_sets_a_challenge(teacher, classroom_url, helpers)
    for name, epochs in STUDENTS.items():
        student = new_tab(browser)
        student_hands_in(student, classroom_url, code, name, epochs, helpers)
        if name == "Ada":
            student.screenshot(path=str(ARTIFACTS / "classroom-student-handed-in.png"))
        student.context.close()

    service = dlcore.classroom_service()  # the same database as the server's
    (klass,) = service.classes()
    (challenge,) = service.challenges(klass.id)
    rows = service.leaderboard(challenge.id, dlcore.classroom.TEACHER)
    assert sorted(row.student for row in rows) == sorted(STUDENTS)
    assert rows[0].score > rows[1].score  # the scores differ, so the ranking says something

    teacher.get_by_role("tab", name="Leaderboard").click()
    teacher.wait_for_function(  # the board refreshes itself as hand-ins arrive
        "() => document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell]').length >= 12",
        timeout=30_000,
    )
    assert leaderboard_names(teacher) == [row.student for row in rows]
    helpers.assert_no_errors(teacher)
    teacher.screenshot(path=str(ARTIFACTS / "classroom-teacher-leaderboard.png"))

    with teacher.expect_download() as download:
        teacher.get_by_role("button", name="Results (CSV)").click()
    results = Path(download.value.path()).read_text().splitlines()
    assert results[0].startswith("challenge,") and len(results) == 1 + len(STUDENTS)  # a row per hand-in
