"""The Runs page's engine side: its state round-trips through the link (a bad value becomes a notice),
ticks follow the table, the table and settings side by side read the runs, and a run's Train state is
one the Train page accepts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlcore
from dlcore.runs import RunRecord, RunsView, view
from dlcore.training import link


def record(run_id: int, **changes) -> RunRecord:
    spec = dlcore.presets()["digits_mlp"].to_dict()
    values = {
        "id": run_id,
        "name": f"run {run_id}",
        "group": None,
        "who": "Ada",
        "owner": "tab-1",
        "status": "finished",
        "message": "",
        "note": "",
        "started": datetime(2026, 12, 2, 9, run_id, tzinfo=UTC),
        "ended": None,
        "setup": {"recipe": "supervised", "models": {"model": spec}, "options": {}},
        "main_role": "model",
        "config": dlcore.TrainConfig(lr=0.01 * run_id).to_dict(),
        "dataset": "digits",
        "options": {},
        "seed": 0,
        "device": "CPU",
        "parameters": 2410,
        "steps": 100,
        "epochs": 5,
        "duration_s": 1.25,
        "best": {"val_loss": 0.5, "val_accuracy": 0.9},
    }
    return RunRecord(**{**values, **changes})


views = st.builds(
    RunsView,
    search=st.text(st.characters(blacklist_categories=("Cs",)), max_size=view.MAX_SEARCH),
    status=st.sampled_from(view.STATUSES),
    mine=st.booleans(),
    ticked=st.lists(st.integers(1, 10**9), unique=True, max_size=view.MAX_TICKED).map(tuple),
    section=st.sampled_from(["compare", "run", "search", "export"]),
    metric=st.sampled_from(["val_loss", "train_loss", "val_accuracy"]),
)


@given(views)
def test_a_view_round_trips_through_its_link(state):
    assert view.from_query(view.to_query(state)) == (state, [])


def test_a_new_tab_has_a_short_link_and_bad_values_become_notices():
    assert view.to_query(RunsView()) == {}
    state, problems = view.from_query({"runs": "3,x", "status": "asleep", "section": "<b>", "q": "mlp"})
    assert state == RunsView(search="mlp")
    assert [p.split("'")[1] for p in problems] == ["status", "runs", "section"]


def test_ticks_follow_the_table_and_keep_runs_filtered_out_of_it():
    state = RunsView(ticked=(1, 2))
    assert state.tick(shown=[2, 3, 4], chosen=[3, 4]).ticked == (1, 3, 4)  # 2 unticked, 1 not shown
    many = RunsView().tick(shown=list(range(1, 30)), chosen=range(1, 30))
    assert many.ticked == tuple(range(30 - view.MAX_TICKED, 30))


def test_the_filters_search_every_word_in_name_model_dataset_and_person():
    runs = [record(1), record(2, dataset="spiral", owner="tab-2"), record(3, status="failed", who="Grace")]
    assert [r.id for r in view.shown(runs, RunsView(search="digits grace"), "tab-1")] == [3]
    assert [r.id for r in view.shown(runs, RunsView(status="failed"), "tab-1")] == [3]
    assert [r.id for r in view.shown(runs, RunsView(mine=True), "tab-2")] == [2]


def test_the_table_keeps_numbers_as_numbers_to_sort_them():
    table = view.runs_table([record(1), record(2, best={})])
    assert list(table.columns) == list(view.TABLE_COLUMNS)
    assert table["best val. accuracy"].tolist()[0] == 0.9 and table["best val. loss"].isna().tolist() == [
        False,
        True,
    ]
    assert table["model"].tolist() == ["Digits MLP", "Digits MLP"]


def test_settings_side_by_side_show_what_differs_unless_everything_is_asked():
    first, second = record(1), record(2, seed=5, options={"classes": [0, 1]})
    assert set(view.settings_diff([first, second]).index) == {"data.classes", "lr"}
    everything = view.settings_diff([first, second], everything=True)
    assert everything.loc["data.classes", "#1"] == "—" and everything.loc["model", "#1"].startswith("Flatten")


def test_a_run_reopens_as_a_train_state_the_train_page_accepts():
    run = record(3, config={**dlcore.TrainConfig(lr=0.05, epochs=7).to_dict(), "max_seconds": None})
    state = view.train_state(run)
    link.validate(state)
    assert (state.dataset, state.settings["lr"], state.settings["epochs"], state.role) == (
        "digits",
        0.05,
        7,
        "",
    )
    assert link.from_query(link.to_query(state))[0] == state


def test_a_recipe_run_reopens_its_main_role_on_build_and_the_others_as_partners():
    gen, disc = dlcore.presets()["gan_generator"].to_dict(), dlcore.presets()["gan_discriminator"].to_dict()
    run = record(
        1, setup={"recipe": "gan", "models": {"generator": gen, "discriminator": disc}}, main_role="generator"
    )
    state = view.train_state(replace(run, dataset="ring", config=dlcore.TrainConfig(recipe="gan").to_dict()))
    assert state.role == "generator" and set(state.partners) == {"discriminator"}


@pytest.mark.parametrize("bad", [RunsView(status="x"), RunsView(ticked=(0,)), RunsView(metric="a b")])
def test_a_view_the_page_cannot_hold_is_refused_naming_the_field(bad):
    with pytest.raises(dlcore.RunError) as err:
        view.validate(bad)
    assert err.value.field in ("status", "runs", "metric")
