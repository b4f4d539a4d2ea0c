"""The Runs page's Search and Export sections in AppTest: a search around the ticked run starts from the
plan in the link, runs its trials as this tab's jobs and shows its figures; a bad plan is refused with a
notice; the ticked run downloads as a TensorBoard log and a notebook."""

from __future__ import annotations

import io
import zipfile

import pytest

import dlcore
from dlcore.runs import run_writer
from tests.ui.train.test_page_recipes import live_figures
from ui.runs.search_plan import PLAN
from ui.state import SEARCH

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/runs.py"


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))


@pytest.fixture
def kept_run() -> int:
    """A finished digits run's id."""
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], dlcore.data.load("digits"), dlcore.TrainConfig(epochs=2, lr=0.01)
    )
    assert job.wait(120)
    run_writer().flush()
    return job.run_id


def open_section(app, section: str, query: dict[str, str]):
    at = app.run()
    at.switch_page(PAGE)
    at.query_params.clear()
    for key, value in {"section": section, **query}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at


def test_a_search_around_the_ticked_run_runs_its_trials_and_draws_its_figures(app, kept_run):
    plan = {"trials": "4", "epochs": "3", "method": "random"}
    at = open_section(app, "search", {"runs": str(kept_run), **plan})
    assert at.session_state[f"{PLAN.name}.state"].trials == 4
    at.button(key="search-start").click().run()
    assert not at.exception
    search = at.session_state[SEARCH]
    assert search.owner == at.session_state["session_owner"]  # its trials are this tab's jobs
    assert search.wait(120) and search.status == "finished"
    at.run()
    assert not at.exception
    summary = next(markdown.value for markdown in at.markdown if "trials done" in markdown.value)
    assert "4 of 4 trials done" in summary and f"**{search.best()['score']:.3f}**" in summary
    figures = live_figures(at)
    assert {"search.best", "search.parallel", "search.importance"} <= set(figures)
    assert "best so far" in [trace["name"] for trace in figures["search.best"]["data"]]
    kept = dlcore.run_store().runs(group=search.id)
    assert len(kept) == 4


def test_a_setting_the_model_lacks_is_refused_under_the_run_bar(app, kept_run):
    at = open_section(app, "search", {"runs": str(kept_run), "ranges": "dropout:0:0.5"})
    at.button(key="search-start").click().run()
    assert not at.exception
    assert SEARCH not in at.session_state
    assert any("Dropout" in error.value for error in at.error)


def test_a_range_upside_down_is_refused_with_a_notice_and_the_plan_kept(app, kept_run):
    at = open_section(app, "search", {"runs": str(kept_run)})
    at.number_input(key="search.lr.low").set_value(1.0).run()
    assert not at.exception
    assert at.session_state[f"{PLAN.name}.state"].ranges[0].low == pytest.approx(1e-4)
    assert any("low end" in warning.value for warning in at.warning)


def test_the_ticked_run_downloads_as_a_tensorboard_log_and_a_notebook(app, kept_run):
    at = open_section(app, "export", {"runs": str(kept_run)})
    buttons = at.get("download_button")
    assert len(buttons) == 2
    record = dlcore.run_store().run(kept_run)
    data = dlcore.run_exports.run_tensorboard_zip(dlcore.run_store(), record)
    assert any("tfevents" in name for name in zipfile.ZipFile(io.BytesIO(data)).namelist())
