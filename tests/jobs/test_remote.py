"""Jobs on a Ray cluster: a local Ray instance (two CPUs, the `on_ray` fixture) trains them, and they are
watched, commanded, kept and searched exactly as local jobs. Skipped, saying why, where Ray is not
installed."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch

import dlcore
from dlcore.__main__ import main
from dlcore.errors import TrainError
from dlcore.jobs import RayJob, ray_address, remote, use_ray
from dlcore.runs import run_store, run_writer
from dlcore.runs.search import start_search
from dlcore.runs.search_plan import Range, SearchPlan
from dlcore.training import Callback, StopTraining
from tests.jobs.support import start, wait_for, wait_status
from tests.runs.presets import digits_spec


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    """Each test keeps its runs in a database of its own."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))


def test_a_job_on_ray_is_watched_and_commanded_as_a_local_one(on_ray, ds, pool):
    job = start(ds, pool, paused=True)
    assert isinstance(job, RayJob)
    wait_status(job, "paused")  # started paused at step 0, as a local job
    job.step()
    wait_for(lambda: job.status == "paused" and job.progress()["step"] == 1)
    job.step(unit="epoch")  # as many batches as an epoch has, from where it is
    per_epoch = math.ceil(len(ds.train[0]) / job.config.batch_size)
    wait_for(lambda: job.status == "paused" and job.progress()["step"] == 1 + per_epoch)
    job.resume()
    wait_for(lambda: len(job.metrics()) > 5)
    first = job.metrics()
    wait_for(lambda: len(job.metrics(since=first.attrs["cursor"])) > 0)  # live: newer rows keep coming
    job.pause()
    wait_status(job, "paused")
    a, b = job.snapshot(), job.snapshot()  # paused: the weights hold still
    assert all(torch.equal(a.state_dict()[k], v) for k, v in b.state_dict().items())
    assert job.snapshot(step=0) is not None and job.rewind.steps()[0] == 0  # its past is kept, as locally
    job.stop()
    assert job.wait(60)
    assert job.status == "stopped" and job.message.startswith("Stopped at step")
    assert job.result["test_accuracy"] >= 0 and "Ray node" in job.device_name
    run_writer().flush()
    run = run_store().run(job.run_id)
    assert (run.status, run.steps, run.device) == ("stopped", job.progress()["step"], job.device_name)
    kept = run_store().weights(job.run_id)
    assert all(torch.equal(kept[k], v) for k, v in job.snapshot().state_dict().items())


class StopAtScoredEpoch(Callback):
    """Stops the run at the first scored epoch from `epoch` on (as a search's pruning does)."""

    def __init__(self, epoch: int):
        self.epoch, self.stopped_at = epoch, None

    def on_epoch_end(self, epoch, logs):
        if epoch >= self.epoch and "val_loss" in logs:
            self.stopped_at = epoch
            raise StopTraining("enough", status="stopped")


@pytest.mark.parametrize("budget", [1.0, 0.0])
def test_a_callback_on_the_callers_side_stops_the_ray_run(on_ray, ds, pool, monkeypatch, budget):
    # budget 1.0: every scored epoch waits for the callbacks here, so the run stops at that very epoch;
    # 0.0: none waits, and the verdict stops the run at the step it reaches the actor
    monkeypatch.setattr(remote, "WAIT_BUDGET", budget)
    job = start(ds, pool, paused=True, epochs=100_000)
    stop = StopAtScoredEpoch(3)
    job.add_callback(stop)
    job.resume()
    assert job.wait(60)
    assert job.status == "stopped" and job.message.endswith("enough.")
    epochs = job.progress()["epoch"]
    assert epochs == stop.stopped_at if budget else epochs >= stop.stopped_at


def test_a_four_trial_search_runs_its_trials_on_ray_and_keeps_them(on_ray):
    digits = dlcore.data.load("digits")
    plan = SearchPlan(method="tpe", trials=4, epochs=3, prune=True, ranges=(Range("lr", 1e-3, 1e-1),))
    search = start_search(plan, digits_spec(), digits)
    jobs = []
    while not search.wait(0.05):
        if search.job is not None and search.job not in jobs:
            jobs.append(search.job)
    assert search.status == "finished", search.message
    trials = search.trials()
    assert len(trials) == 4 and set(trials["state"]) <= {"finished", "pruned"}
    assert jobs and all(isinstance(job, RayJob) for job in jobs)
    assert search.best()["score"] == trials["score"].max()
    run_writer().flush()
    kept = run_store().runs(group=search.id)
    assert sorted(run.id for run in kept) == sorted(trials["run"])
    assert all("Ray node" in run.device and run.status in ("finished", "stopped") for run in kept)


def test_without_ray_installed_a_chosen_cluster_is_refused_saying_what_to_install(ds, pool, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, as where it is not installed
    before = ray_address()
    use_ray("auto")
    try:
        with pytest.raises(TrainError, match=r"pip install 'dl-playground\[ray\]'"):
            start(ds, pool)
    finally:
        use_ray(before)
    assert pool.jobs() == []  # nothing was admitted


def test_the_default_install_imports_no_ray():
    code = "import sys, dlcore, dlcore.runs.search; print('ray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_command_line_trains_on_the_cluster_its_ray_option_names(on_ray, tmp_path, capsys):
    spec = tmp_path / "model.json"
    spec.write_text(json.dumps(digits_spec()))
    assert main(["train", "--spec", str(spec), "--data", "digits", "--epochs", "2", "--ray", "auto"]) == 0
    out = capsys.readouterr()
    assert "Finished 2 epochs" in out.out and "test accuracy" in out.out
    run_writer().flush()
    assert run_store().runs()[0].device.endswith(f"on Ray node {on_ray.util.get_node_ip_address()}")


def test_without_ray_the_command_lines_ray_option_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    spec = tmp_path / "model.json"
    spec.write_text(json.dumps(digits_spec()))
    before = ray_address()
    try:
        assert main(["train", "--spec", str(spec), "--data", "digits", "--ray", "auto"]) == 2
    finally:
        use_ray(before)
    assert "pip install 'dl-playground[ray]'" in capsys.readouterr().err


def test_a_run_takes_the_actor_started_ahead_and_one_is_started_for_the_next(on_ray, ds, pool):
    start(ds, pool, epochs=1)
    (ahead,) = remote._spare.values()
    second = start(ds, pool, epochs=1)
    (next_ahead,) = remote._spare.values()
    assert second._actor._actor_id == ahead._actor_id != next_ahead._actor_id
    assert second.wait(60) and second.status == "finished"
