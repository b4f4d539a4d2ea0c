"""Hyper-parameter searches: Optuna's trials run as ordinary jobs, poor ones are pruned, the best wins."""

from __future__ import annotations

import dataclasses
import statistics
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlcore
from dlcore.errors import TrainError
from dlcore.jobs import JobPool
from dlcore.runs.search import search_base, start_search
from dlcore.runs.search_plan import (
    METHODS,
    PLAN_PARAMS,
    Range,
    SearchPlan,
    from_query,
    trial_setup,
    validate,
)
from tests.runs.presets import digits_spec

WIDE = (Range("lr", 1e-5, 1.0), Range("width", 4, 128), Range("batch_size", 16, 256))


@pytest.fixture(scope="module")
def digits():
    return dlcore.data.load("digits")


def test_twelve_trial_optuna_search_prunes_and_its_best_beats_the_median(digits):
    plan = SearchPlan(method="tpe", trials=12, epochs=15, prune=True, ranges=WIDE, optimizers=("adam", "sgd"))
    search = start_search(plan, digits_spec(), digits)
    assert search.wait(300)
    trials = search.trials()
    assert search.status == "finished"
    assert len(trials) == 12
    assert (trials["state"] == "pruned").any()
    scores = trials["score"].dropna()
    assert search.best()["score"] > statistics.median(scores)
    assert set(search.importances()) == {"lr", "width", "batch_size", "optimizer"}


def test_every_trial_is_an_ordinary_job_with_its_values(digits):
    pool = JobPool(heartbeat_grace_s=600)
    plan = SearchPlan(method="random", trials=3, epochs=2, prune=False, ranges=(Range("lr", 1e-3, 1e-1),))
    search = start_search(plan, digits_spec(), digits, dlcore.TrainConfig(batch_size=32), pool=pool)
    jobs = []
    while not search.wait(0.01):
        if search.job is not None and search.job not in jobs:
            jobs.append(search.job)
    trials = search.trials()
    assert list(trials["state"]) == ["finished"] * 3
    assert [job.config.lr for job in jobs] == pytest.approx(list(trials["lr"]))
    assert {job.config.batch_size for job in jobs} == {32}  # what the search leaves alone stays as it was


def test_grid_search_tries_the_grids_values_within_the_budget(digits):
    plan = SearchPlan(method="grid", trials=50, epochs=1, prune=False, ranges=(Range("lr", 1e-3, 1e-1),))
    search = start_search(plan, digits_spec(), digits)
    search.wait(120)
    assert plan.budget() == 3
    assert sorted(search.trials()["lr"]) == pytest.approx([1e-3, 1e-2, 1e-1])


def test_stopping_a_search_stops_its_trial_and_starts_no_other(digits):
    plan = SearchPlan(trials=20, epochs=1000, ranges=(Range("lr", 1e-3, 1e-1),))
    search = start_search(plan, digits_spec(), digits)
    while search.job is None:
        time.sleep(0.01)
    search.stop()
    assert search.wait(60)
    assert search.status == "stopped"
    assert search.trials()["state"].tolist() == ["stopped"]


def test_a_search_ends_when_its_tab_goes_away(digits):
    """Its trials are the tab's jobs: when the tab stops polling, the job pool reaps the trial and the
    search starts no other."""
    pool = JobPool(heartbeat_grace_s=0.3, reap_every_s=0.05)
    plan = SearchPlan(trials=20, epochs=1000, ranges=(Range("lr", 1e-3, 1e-1),))
    search = start_search(plan, digits_spec(), digits, owner="a tab", pool=pool)
    assert search.wait(60)
    assert search.status == "stopped"
    assert len(search.trials()) == 1


def test_trial_setup_widens_hidden_layers_but_keeps_the_answer_layer():
    spec, cfg = trial_setup(
        digits_spec(), dlcore.TrainConfig(), {"width": 77, "lr": 0.05, "optimizer": "sgd"}
    )
    linear = [layer.params["out_features"] for layer in spec.layers if layer.type == "Linear"]
    assert linear == [77, 10]
    assert (cfg.lr, cfg.optimizer) == (0.05, "sgd")


@pytest.mark.parametrize(
    ("plan", "field"),
    [
        (SearchPlan(ranges=(Range("dropout", 0.0, 0.5),)), "dropout"),  # the MLP has no Dropout layer
        (SearchPlan(ranges=(Range("lr", 0.1, 0.01),)), "lr"),
        (SearchPlan(ranges=(Range("lr", 0.0, 0.01),)), "lr"),
        (SearchPlan(ranges=(Range("width", 1, 100_000),)), "width"),
        (SearchPlan(ranges=(Range("momentum", 0.1, 0.9),)), None),
        (SearchPlan(ranges=(), optimizers=("adam",)), "ranges"),
        (SearchPlan(trials=0), "trials"),
    ],
)
def test_a_plan_that_cannot_run_is_refused_before_anything_starts(plan, field):
    with pytest.raises(TrainError) as err:
        start_search(plan, digits_spec(), dlcore.data.load("digits"))
    assert err.value.field == field
    assert err.value.message


plans = st.builds(
    SearchPlan,
    ranges=st.sampled_from(
        [(Range("lr", 1e-4, 0.5),), (Range("batch_size", 8, 512), Range("weight_decay", 0.0, 0.01)), ()]
    ),
    optimizers=st.sampled_from([(), ("adam", "sgd"), ("adamw", "rmsprop", "momentum")]),
    method=st.sampled_from(list(METHODS)),
    trials=st.integers(1, PLAN_PARAMS["trials"].max),
    epochs=st.integers(1, 1000),
    prune=st.booleans(),
    minutes=st.sampled_from([0.5, 3.0, 10.0, 90.0]),
    seed=st.integers(0, 2**31 - 1),
)


@given(plans)
def test_a_valid_plan_round_trips_through_its_link(plan):
    try:
        validate(plan)
    except TrainError:
        return
    assert from_query(plan.to_query()) == (plan, [])


def test_a_bad_link_opens_the_default_search_and_says_why():
    plan, problems = from_query({"method": "bayes", "trials": "many", "ranges": "lr:1:0.1"})
    assert plan == SearchPlan()
    assert len(problems) == 3


def test_a_searchs_trials_are_kept_as_runs_of_its_group(digits):
    plan = SearchPlan(method="random", trials=3, epochs=2, prune=False, ranges=(Range("lr", 1e-3, 1e-1),))
    search = start_search(plan, digits_spec(), digits, name="lr sweep")
    search.wait(120)
    dlcore.runs.run_writer().flush()
    kept = dlcore.run_store().runs(group=search.id)
    assert sorted(run.name for run in kept) == [
        "lr sweep · trial 1",
        "lr sweep · trial 2",
        "lr sweep · trial 3",
    ]
    assert sorted(run.id for run in kept) == sorted(search.trials()["run"])
    assert sorted(run.config["lr"] for run in kept) == pytest.approx(sorted(search.trials()["lr"]))


def test_a_search_starts_from_a_kept_run_and_refuses_one_it_cannot_tune(digits):
    job = dlcore.start_training(digits_spec(), digits, dlcore.TrainConfig(epochs=1, lr=0.02))
    job.wait(60)
    dlcore.runs.run_writer().flush()
    record = dlcore.run_store().run(job.run_id)
    spec, ds, cfg = search_base(record)
    assert (cfg.lr, ds.name, len(ds.train[0])) == (0.02, "digits", len(digits.train[0]))
    assert spec == record.spec
    for refused in (
        dataclasses.replace(record, dataset="my upload.csv"),
        dataclasses.replace(record, setup={**record.setup, "recipe": "gan"}),
    ):
        with pytest.raises(TrainError, match="tick another run") as err:
            search_base(refused)
        assert err.value.field == "run"
