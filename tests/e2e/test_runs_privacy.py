"""On a class server (a teacher password is set), in a real browser: a student who joined a class and
trained for its challenge finds her run on the Runs page and nothing of a classmate's, and a link naming
the classmate's run (to compare, rename or delete it) opens a page with nothing of it. Every websocket
frame the server sent is searched for the classmate's run's name."""

from __future__ import annotations

import pytest

import dlcore
from dlcore.runs import run_writer
from tests.e2e.conftest import running_app
from tests.e2e.sent import record_frames
from tests.e2e.test_classroom import open_from_the_sidebar

pytestmark = pytest.mark.e2e
HEADER_PX, ROW_PX = 38, 35  # ui.runs.table: the table's header and row heights
BEAS_RUN = "student-bea marker"


@pytest.fixture
def class_with_beas_run(tmp_path, monkeypatch) -> tuple[str, int]:
    """A class server whose class (its code returned) has a student, Bea, with a finished run."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLP_TEACHER_PASSWORD", "projector")
    room = dlcore.classroom_service()
    klass = room.create_class("Year 11")
    challenge = room.create_challenge(klass.id, "Digits", "digits", max_epochs=1)
    bea, _ = room.join(klass.code, "Bea")
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"],
        dlcore.data.load("digits", **challenge.data_options),
        dlcore.TrainConfig(epochs=1),
        owner=bea.owner,
        run_name=BEAS_RUN,
    )
    assert job.wait(120)
    run_writer().flush()
    return klass.code, job.run_id


def tick_first_row(page, helpers) -> None:
    box = page.get_by_test_id("stDataFrame").first.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX / 2)
    helpers.wait_for_app(page)


def test_a_student_sees_her_run_and_nothing_of_anothers_by_page_or_link(class_with_beas_run, page, helpers):
    code, beas_run = class_with_beas_run
    frames = record_frames(page)
    with running_app("runs-privacy-server") as url:
        page.goto(f"{url}/classroom?code={code}")  # Ada joins Bea's class and trains for its challenge
        page.get_by_label("Your name").fill("Ada", timeout=90_000)
        page.get_by_role("button", name="Join", exact=True).click()
        page.get_by_role("button", name="Open on Train").click(timeout=30_000)
        page.get_by_role("button", name="Start").click(timeout=60_000)
        page.get_by_text("Test results of").wait_for(timeout=120_000)
        open_from_the_sidebar(page, "Runs")  # the same tab: still Ada
        page.get_by_test_id("stDataFrame").first.wait_for(timeout=60_000)
        helpers.wait_for_app(page)
        page.get_by_role("tab", name="This run").click()
        tick_first_row(page, helpers)
        (ada_run,) = [run for run in dlcore.run_store().runs() if run.id != beas_run]
        page.get_by_text(f"#{ada_run.id} {ada_run.name}").first.wait_for(timeout=30_000)  # hers, ticked
        assert page.get_by_test_id("stDataFrame").first.bounding_box()["height"] == HEADER_PX + ROW_PX
        helpers.assert_no_errors(page)

        page.goto(f"{url}/runs?runs={beas_run}&section=run")  # the other student's run by its link
        page.get_by_text("Tick a run in the table").wait_for(timeout=60_000)
        helpers.wait_for_app(page)
        assert page.get_by_role("button", name="Delete…").count() == 0
        assert BEAS_RUN not in page.content()
        helpers.assert_no_errors(page)
    assert frames and not [frame for frame in frames if BEAS_RUN.encode() in frame]
    assert dlcore.run_store().run(beas_run).name == BEAS_RUN
