"""On a class server (a teacher password is set), in a real browser: a student's Runs page lists the run
she trained and nothing of another student's, and a link naming the other student's run (to compare,
rename or delete it) opens a page with nothing of it. Every websocket frame the server sent is searched
for the other run's name."""

from __future__ import annotations

import pytest

import dlcore
from dlcore.runs import run_writer
from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e
HEADER_PX, ROW_PX = 38, 35  # ui.runs.table: the table's header and row heights
BEAS_RUN = "student-bea marker"


@pytest.fixture
def beas_run(tmp_path, monkeypatch) -> int:
    """A class server's store holding another student's finished run."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLP_TEACHER_PASSWORD", "projector")
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"],
        dlcore.data.load("digits"),
        dlcore.TrainConfig(epochs=1),
        owner="student-bea",
        run_name=BEAS_RUN,
    )
    assert job.wait(120)
    run_writer().flush()
    return job.run_id


def record_frames(page) -> list[bytes]:
    """Every websocket frame the server sends this page from now on."""
    frames: list[bytes] = []

    def keep(data: bytes | str) -> None:
        frames.append(data if isinstance(data, bytes) else data.encode())

    page.on("websocket", lambda socket: socket.on("framereceived", keep))
    return frames


def tick_first_row(page, helpers) -> None:
    box = page.get_by_test_id("stDataFrame").first.bounding_box()
    page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX / 2)
    helpers.wait_for_app(page)


def test_a_student_sees_her_run_and_nothing_of_anothers_by_page_or_link(beas_run, page, helpers):
    frames = record_frames(page)
    with running_app("runs-privacy-server") as url:
        page.goto(f"{url}/train")
        page.get_by_role("button", name="Start").click(timeout=120_000)
        page.get_by_role("button", name="Stop", exact=True).first.wait_for(timeout=60_000)
        page.locator("[data-testid='stSidebarNav'] a", has_text="Runs").first.click()  # the same tab
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
