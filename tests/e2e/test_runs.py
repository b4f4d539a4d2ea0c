"""The Runs page in a real browser: ticking two runs in the table overlays their curves and shows the
setting that differs; the page fits a 1280×720 projector."""

from __future__ import annotations

import pytest

import dlcore
from dlcore.runs import run_writer
from tests.e2e.conftest import ARTIFACTS, running_app

pytestmark = pytest.mark.e2e
HEADER_PX, ROW_PX = 38, 35  # ui.runs.table: the table's header and row heights


@pytest.fixture
def two_runs(tmp_path, monkeypatch):
    """Two finished digits runs that differ in their learning rate, kept where the server will look."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    digits = dlcore.data.load("digits")
    for lr in (0.03, 0.001):
        job = dlcore.start_training(
            dlcore.presets()["digits_mlp"],
            digits,
            dlcore.TrainConfig(epochs=12, lr=lr),
            run_name=f"lr {lr:g}",
        )
        assert job.wait(120)
    run_writer().flush()


def test_ticking_two_runs_overlays_their_curves_and_shows_what_differs(two_runs, page, helpers):
    with running_app("runs-server") as url:
        page.set_viewport_size({"width": 1280, "height": 720})
        page.goto(f"{url}/runs")
        helpers.wait_for_app(page, timeout_ms=90_000)
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for(timeout=60_000)
        page.get_by_text("Tick runs in the table").wait_for()
        box = table.bounding_box()
        for row in (0, 1):  # the boxes on the left of the rows
            page.mouse.click(box["x"] + 16, box["y"] + HEADER_PX + ROW_PX * row + ROW_PX / 2)
            helpers.wait_for_app(page)
        traces = page.locator(".js-plotly-plot .scatterlayer .trace")
        traces.nth(1).wait_for(timeout=60_000)
        assert traces.count() == 2
        legend = page.locator(".js-plotly-plot .legend").first.text_content()
        assert "lr 0.03" in legend and "lr 0.001" in legend
        assert "runs=2%2C1" in page.url or "runs=2,1" in page.url  # the comparison is in the link
        diff = page.get_by_test_id("stDataFrame").nth(1)
        diff.wait_for()
        page.wait_for_timeout(1000)
        helpers.assert_no_errors(page)
        page.screenshot(path=str(ARTIFACTS / "runs-overlay.png"))  # 1280×720, as a projector shows it
