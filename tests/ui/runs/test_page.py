"""The Runs page in AppTest: kept runs are listed and filtered, ticked runs are compared (curves and the
settings that differ), a run is renamed, noted, reopened on Build and Train, and deleted after a
confirmation; a link with bad values opens the page with notices."""

from __future__ import annotations

import json

import pytest

import dlcore
from dlcore.runs import run_writer
from tests.ui.lessons.support import open_page as open_at
from ui.state import RUNS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))


@pytest.fixture
def two_runs():
    """Two finished digits runs that differ in their learning rate."""
    ds = dlcore.data.load("digits")
    jobs = [
        dlcore.start_training(
            dlcore.presets()["digits_mlp"], ds, dlcore.TrainConfig(epochs=2, lr=lr), run_name=f"lr {lr:g}"
        )
        for lr in (0.01, 0.001)
    ]
    for job in jobs:
        assert job.wait(120)
    run_writer().flush()
    return [job.run_id for job in jobs]


def open_page(app, query: dict[str, str] | None = None):
    return open_at(app, "runs", query)


def view_of(at) -> dlcore.runs.RunsView:
    return at.session_state[f"{RUNS}.state"]


def table_of(at):
    return at.dataframe[0].value


def test_kept_runs_are_listed_newest_first_and_filtered_by_search_and_status(app, two_runs):
    at = open_page(app)
    assert table_of(at)["name"].tolist() == ["lr 0.001", "lr 0.01"]
    assert set(table_of(at)["dataset"]) == {"digits"} and (table_of(at)["best val. accuracy"] > 0.1).all()
    at.text_input(key="runs.search").input("0.01").run()
    assert table_of(at)["name"].tolist() == ["lr 0.01"]
    assert at.query_params["q"] == "0.01"
    at.text_input(key="runs.search").input("").run()
    at.selectbox(key="runs.status").select("failed").run()
    assert not at.exception and "No runs match" in at.info[0].value


def test_ticked_runs_overlay_their_curves_and_show_only_the_settings_that_differ(app, two_runs):
    at = open_page(app, {"runs": ",".join(map(str, two_runs))})
    assert view_of(at).ticked == tuple(two_runs)
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [trace["name"] for trace in chart["data"]] == [
        f"#{two_runs[0]} lr 0.01",
        f"#{two_runs[1]} lr 0.001",
    ]
    diff = at.dataframe[1].value
    assert list(diff.index) == ["lr"]
    at.selectbox(key="runs.metric").select("train_loss").run()
    assert view_of(at).metric == "train_loss" and at.query_params["metric"] == "train_loss"
    at.toggle(key="runs.every_setting").set_value(True).run()
    assert {"data", "model", "optimizer", "seed"} <= set(at.dataframe[1].value.index)


def test_a_run_is_renamed_noted_and_deleted_after_a_confirmation(app, two_runs):
    first, second = two_runs
    at = open_page(app, {"runs": str(first), "section": "run"})
    at.text_input(key=f"runs.name.{first}").input("  my   best  ").run()
    at.text_area(key=f"runs.note.{first}").input("lr 0.01 learns fastest").run()
    kept = dlcore.run_store().run(first)
    assert (kept.name, kept.note) == ("my best", "lr 0.01 learns fastest")
    at.text_input(key=f"runs.name.{first}").input("   ").run()
    assert "cannot be empty" in " ".join(w.value for w in at.warning)
    assert dlcore.run_store().run(first).name == "my best"
    at.button(key=f"runs.delete.{first}").click().run()
    assert not at.exception
    assert [r.id for r in dlcore.run_store().runs()] == [second]
    assert view_of(at).ticked == ()


def test_a_run_reopens_its_model_and_settings_on_build_and_train(app, two_runs):
    at = open_page(app, {"runs": str(two_runs[0]), "section": "run"})
    at.button(key="runs.open").click().run()
    assert not at.exception
    run = dlcore.run_store().run(two_runs[0])
    built = at.session_state["build.state"].spec
    assert dlcore.ModelSpec.from_dict(built) == dlcore.ModelSpec.from_dict(run.spec)
    assert "Train" in at.title[0].value  # the Train page is shown
    assert at.session_state["train_setup.state"].settings["lr"] == 0.01
    assert at.session_state["train_setup.state"].dataset == "digits"


def test_your_name_goes_on_your_runs(app, two_runs):
    at = open_page(app)
    owner = at.session_state["session_owner"]
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], dlcore.data.load("digits"), dlcore.TrainConfig(epochs=1), owner=owner
    )
    job.wait(60)
    run_writer().flush()
    at.text_input(key="runs.who").input("Ada").run()
    assert dlcore.run_store().run(job.run_id).who == "Ada"
    at.toggle(key="runs.mine").set_value(True).run()
    assert table_of(at)["who"].tolist() == ["Ada"]


def test_a_bad_link_opens_the_page_with_notices(app, two_runs):
    at = open_page(app, {"runs": "1,x", "status": "sleeping", "section": "nowhere"})
    notices = " ".join(w.value for w in at.warning)
    assert "'runs'" in notices and "'status'" in notices
    assert view_of(at).ticked == () and view_of(at).status == "all"
    assert not at.exception


def test_with_no_runs_the_page_says_where_runs_come_from(app):
    at = open_page(app)
    assert "Every training started" in at.info[0].value
