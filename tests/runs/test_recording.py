"""Every job started through start_training is kept: its settings, metrics, weights and ending; resets
start new runs; long runs are thinned; a database that refuses writes never stops training."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.runs import recording, run_store, run_writer


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    """Each test keeps its runs in a database of its own."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))


@pytest.fixture(scope="module")
def digits():
    return dlcore.data.load("digits")


def trained(digits, cfg=None, **kwargs):
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], digits, cfg or dlcore.TrainConfig(epochs=3), **kwargs
    )
    assert job.wait(120)
    run_writer().flush()
    return job


def test_a_finished_job_is_kept_with_its_settings_metrics_and_weights(digits):
    cfg = dlcore.TrainConfig(epochs=3, lr=0.003, seed=7)
    job = trained(digits, cfg, run_name="my first run", run_group="search-9")
    run = run_store().run(job.run_id)
    assert (run.name, run.group, run.status, run.seed, run.dataset) == (
        "my first run",
        "search-9",
        "finished",
        7,
        "digits",
    )
    assert run.config["lr"] == 0.003 and run.options == digits.options
    assert run.spec == job.spec.to_dict() and run.recipe == job.recipe
    assert run.parameters == sum(p.numel() for p in job.snapshot().parameters())
    assert run.steps == job.progress()["step"] and run.duration_s > 0 and run.ended is not None
    assert run.final["test_accuracy"] == pytest.approx(job.result["test_accuracy"])
    assert run.best["val_loss"] == pytest.approx(job.epoch_metrics()["val_loss"].min())
    kept, logged = run_store().metrics(job.run_id).set_index("step"), job.metrics().set_index("step")
    # How many writes the rows came in depends on the machine's speed, so the bound per write is tested on
    # Written (below); here: enough rows, each one the job logged
    assert len(kept) >= 10 and kept.index.isin(logged.index).all()
    assert kept.index[-1] == logged.index[-1]  # up to the last step
    assert kept["train_loss"].tolist() == pytest.approx(logged.loc[kept.index, "train_loss"].tolist())
    final = run_store().weights(job.run_id)
    assert all(torch.equal(final[k], v) for k, v in job.snapshot().state_dict().items())
    assert set(run.weights) == {"final", "best"}
    assert run_store().check() == []


def test_runs_say_who_ran_them(digits):
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], digits, dlcore.TrainConfig(epochs=1), owner="tab-x"
    )
    job.wait(120)
    run_writer().flush()
    assert run_store().run(job.run_id).who == "tab-x"
    dlcore.runs.set_who("tab-x", "  Ada   Lovelace ")
    assert run_store().run(job.run_id).who == "Ada Lovelace"
    with pytest.raises(dlcore.RunError, match="type a name"):
        dlcore.runs.set_who("tab-x", "   ")


def test_a_reset_starts_a_new_run_and_the_old_one_ends_as_stopped(digits):
    job = trained(digits, dlcore.TrainConfig(epochs=2))
    first = job.run_id
    job.reset()  # after the end: paused at step 0, then trained again
    job.resume()
    assert job.wait(120)
    run_writer().flush()
    assert job.run_id != first
    assert run_store().run(first).status == "finished"  # its real ending, not overwritten by the reset
    assert run_store().run(job.run_id).status == "finished"
    assert run_store().metrics(job.run_id)["step"].iloc[-1] == job.metrics()["step"].iloc[-1]


def test_a_long_run_keeps_its_rows_under_the_cap_evenly_up_to_its_last_step(digits, monkeypatch):
    monkeypatch.setattr(recording, "MAX_ROWS", 40)
    monkeypatch.setattr(recording, "ROWS_PER_FLUSH", 1000)
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], digits, dlcore.TrainConfig(epochs=6, batch_size=32), paused=True
    )
    for _ in range(6):  # written after every epoch (36 steps), several times between thinnings
        job.step("epoch")
        while job.status != "paused":
            time.sleep(0.01)
        run_writer().flush()
    steps = run_store().metrics(job.run_id)["step"].tolist()
    assert 20 <= len(steps) <= 40
    assert steps[-1] == job.metrics()["step"].iloc[-1]  # the latest row is kept whatever the stride
    gaps = {b - a for a, b in zip(steps[:-1], steps[1:-1], strict=False)}
    assert len(gaps) == 1  # evenly spaced before it


def test_a_database_that_refuses_writes_never_stops_training(digits, monkeypatch):
    store = run_store()

    def full_disk(updates):
        raise dlcore.RunError("could not save the runs' progress: database or disk is full")

    monkeypatch.setattr(store, "write", full_disk)
    job = trained(digits, dlcore.TrainConfig(epochs=2))
    assert job.status == "finished"
    assert (
        "disk is full" in dlcore.runs.recording_problem()
        and "Training goes on" in dlcore.runs.recording_problem()
    )
    monkeypatch.undo()  # the disk has room again: nothing of the run was lost
    monkeypatch.setenv("DLP_DATA_DIR", str(store.folder))
    run_writer().flush()
    assert dlcore.runs.recording_problem() is None
    assert run_store().metrics(job.run_id)["step"].iloc[-1] == job.metrics()["step"].iloc[-1]
    assert run_store().run(job.run_id).status == "finished"


def test_a_recipe_with_several_models_keeps_each_role(monkeypatch):
    ring = dlcore.data.load("ring")
    specs = {
        "generator": dlcore.presets()["gan_generator"],
        "discriminator": dlcore.presets()["gan_discriminator"],
    }
    job = dlcore.start_training(specs, ring, dlcore.TrainConfig(recipe="gan", epochs=2))
    assert job.wait(120)
    run_writer().flush()
    run = run_store().run(job.run_id)
    assert run.recipe == "gan" and set(run.models) == {"generator", "discriminator"}
    assert {key.split(".")[0] for key in run_store().weights(job.run_id)} == {"generator", "discriminator"}


def test_the_writer_writes_on_its_own_within_its_period(digits):
    job = dlcore.start_training(dlcore.presets()["digits_mlp"], digits, dlcore.TrainConfig(epochs=1))
    job.wait(120)
    for _ in range(50):  # no flush asked for: the writer thread's own
        if run_store().run(job.run_id).status == "finished":
            break
        time.sleep(0.2)
    assert run_store().run(job.run_id).status == "finished"


def test_a_store_that_cannot_be_opened_leaves_training_alone(digits, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DLP_DATA_DIR", str(blocker))
    job = trained(digits, dlcore.TrainConfig(epochs=1))
    assert job.status == "finished" and job.run_id is None
    assert "cannot be created" in dlcore.runs.recording_problem()
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path / "ok"))  # once the folder is usable, runs are kept again
    assert trained(digits, dlcore.TrainConfig(epochs=1)).run_id is not None


def test_a_database_that_refuses_new_runs_leaves_training_alone(digits):
    with run_store().engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON dlp_runs BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    job = trained(digits, dlcore.TrainConfig(epochs=1))
    assert job.status == "finished" and job.run_id is None
    assert "could not save a new run: disk I/O error" in dlcore.runs.recording_problem()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunks=st.lists(st.integers(0, 300), min_size=1, max_size=40))
def test_written_rows_stay_bounded_evenly_spaced_and_reach_the_latest_row(chunks, monkeypatch):
    monkeypatch.setattr(recording, "MAX_ROWS", 50)
    monkeypatch.setattr(recording, "ROWS_PER_FLUSH", 10)
    written, stored, step = recording.Written(), [], 0  # stored: the n of the rows in the store
    for size in chunks:
        frame = pd.DataFrame({"step": range(step + 1, step + size + 1), "train_loss": 1.0, "count": 1})
        frame.attrs["cursor"] = step + size
        written, rows, thin_to = written.advance(frame)
        if thin_to:  # what RunStore.write does: thin first, then add the new rows
            stored = [n for n in stored if n % thin_to == 0]
        stored += [n for n, _, _ in rows]
        step += size
        assert stored == list(written.kept) and len(stored) <= 50
        if step:
            assert stored[-1] == step - 1 and written.step == step  # row n is step n + 1 here
        assert all(n % written.stride == 0 for n in stored[:-1])


def test_a_run_of_the_command_line_is_kept_when_the_program_ends(tmp_path):
    spec = tmp_path / "model.json"
    spec.write_text(dlcore.presets()["digits_mlp"].to_json())
    command = [sys.executable, "-m", "dlcore", "train", "--spec", str(spec), "--data", "digits"]
    env = {**os.environ, "DLP_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [*command, "--epochs", "2", "--device", "cpu"], env=env, capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    store = dlcore.runs.RunStore(
        folder=tmp_path / "data", url=f"sqlite:///{tmp_path / 'data' / 'runs.sqlite3'}"
    )
    (run,) = store.runs()
    assert run.status == "finished" and run.epochs == 2 and "final" in run.weights
    assert store.metrics(run.id)["step"].iloc[-1] == run.steps
    store.close()
