"""The restart bar: a server killed (SIGKILL) while five runs train loses nothing written. After a restart
every run is listed as interrupted, with the metrics it had up to its last save (at most ~2 s before the
kill), and the database passes its integrity check."""

from __future__ import annotations

import time

import pytest

from dlcore.runs import RunStore
from tests.e2e.conftest import ARTIFACTS, _free_port, running_app, start_server, wait_until_serving

pytestmark = pytest.mark.e2e
SAVED_WITHIN_S = 2.0  # the writer saves every second: the last save is at most ~2 s old at the kill


def trained_a_little(store: RunStore, count: int) -> bool:
    runs = store.runs()
    return len(runs) == count and all(run.steps > 0 and store.metric_count(run.id) > 0 for run in runs)


def test_runs_cut_off_by_a_killed_server_are_listed_as_interrupted_with_their_metrics(
    tmp_path, monkeypatch, page, helpers
):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))  # the servers started below keep their runs here
    store = RunStore()  # opened while nothing runs: it marks nothing
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / "restart-killed-server.log", "w")
    server = start_server("tests/e2e/runs_server.py", port, log)
    try:
        wait_until_serving(server, f"http://127.0.0.1:{port}", log)
        page.goto(f"http://127.0.0.1:{port}")
        page.get_by_text("5 runs started").wait_for(timeout=120_000)
        deadline = time.monotonic() + 120
        while not trained_a_little(store, 5):
            assert time.monotonic() < deadline, "the five runs did not start training"
            time.sleep(0.5)
        time.sleep(3)  # a few more saves while they train
        killed_at = time.time()
        server.kill()  # SIGKILL: no exit handler runs, nothing is flushed
        server.wait(10)
    finally:
        server.kill()
        log.close()
    assert {run.status for run in store.runs()} == {"running"}  # as the killed server left them

    with running_app("restart-server") as url:
        page.set_viewport_size({"width": 1280, "height": 720})
        ids = ",".join(str(run.id) for run in store.runs())
        page.goto(f"{url}/runs?runs={ids}")
        helpers.wait_for_app(page, timeout_ms=90_000)
        table = page.get_by_test_id("stDataFrame").first
        table.wait_for(timeout=60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(ARTIFACTS / "runs-after-restart.png"))
        helpers.assert_no_errors(page)
        assert len(page.locator(".js-plotly-plot .scatterlayer .trace").all()) == 5  # every run's curve

    runs = store.runs()
    assert [run.name for run in runs] == [f"cut off {seed}" for seed in reversed(range(5))]
    for run in runs:
        assert run.status == "interrupted" and "server stopped" in run.message
        assert run.ended.timestamp() >= killed_at - SAVED_WITHIN_S  # its last save
        metrics = store.metrics(run.id)
        assert metrics["step"].iloc[-1] == run.steps and run.steps > 0
    assert store.check() == []
    store.close()
