"""Jobs: pause/step/resume/stop/reset, live edits and snapshots, results and failures."""

import threading
import time

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.jobs import JobPool
from dlcore.training.supervised import SupervisedRecipe
from tests.jobs.support import spec, start, wait_for, wait_status


def test_pause_step_resume_stop(ds, pool):
    job = start(ds, pool)
    wait_for(lambda: job.progress()["step"] > 5)
    job.pause()
    wait_status(job, "paused")
    step = job.progress()["step"]
    time.sleep(0.1)
    assert job.progress()["step"] == step  # paused means no training
    assert job.metrics()["step"].iloc[-1] == step  # the chart shows where it stopped
    job.step()
    wait_for(lambda: job.progress()["step"] == step + 1 and job.status == "paused")
    time.sleep(0.05)
    assert job.progress()["step"] == step + 1
    # In the middle of an epoch, "Step 1 epoch" trains a whole pass (as its help says), not to the epoch end.
    job.step(unit="epoch")
    per_epoch = job._recorder.steps_per_epoch
    wait_for(lambda: job.status == "paused" and job.progress()["step"] > step + 1)
    time.sleep(0.05)
    assert job.progress()["step"] == step + 1 + per_epoch
    assert job.progress()["epoch"] == (step + 1 + per_epoch) // per_epoch  # one more epoch boundary crossed
    job.resume()
    wait_for(lambda: job.progress()["step"] > step + per_epoch + 5)
    job.stop()
    assert job.wait(10)
    assert job.status == "stopped"
    assert "stopped by you" in job.message
    assert job.result is not None  # a stopped run still gets its test scores


def test_start_paused_then_single_steps_from_step_zero(ds, pool):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu"), pool=pool, paused=True)
    wait_status(job, "paused")
    assert job.progress()["step"] == 0
    job.step()
    wait_for(lambda: job.progress()["step"] == 1 and job.status == "paused")
    assert len(job.metrics()) == 1
    job.stop()
    assert job.wait(10)


def test_an_epoch_step_from_step_zero_pauses_with_that_epoch_scored(ds, pool):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu"), pool=pool, paused=True)
    wait_status(job, "paused")
    job.step(unit="epoch")
    wait_for(lambda: job.status == "paused" and job.progress()["step"] > 0)
    assert job.progress()["step"] == job._recorder.steps_per_epoch
    assert job.progress()["epoch"] == 1 and len(job.epoch_metrics()) == 1  # its validation point shows
    job.stop()
    assert job.wait(10)


def test_a_step_asked_for_before_the_thread_starts_trains_exactly_one_batch(ds, pool):
    # Step pressed at once after Start (before the thread reaches its first step) is not lost.
    for _ in range(5):
        job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu"), pool=pool, paused=True)
        job.step()
        wait_for(lambda job=job: job.progress()["step"] >= 1 and job.status == "paused", timeout=10)
        assert job.progress()["step"] == 1
        job.stop()
        assert job.wait(10)


def test_step_rejects_unknown_unit(ds, pool):
    job = start(ds, pool)
    with pytest.raises(dlcore.TrainError, match="unit"):
        job.step(unit="minute")
    job.stop()
    job.wait(10)


def test_a_supervised_job_cannot_step_one_role_alone(ds, pool):
    job = start(ds, pool, paused=True)
    with pytest.raises(dlcore.TrainError, match="trains its roles together"):
        job.step(role="model")
    job.stop()
    job.wait(10)


def test_reset_starts_over_with_the_seeds_weights(ds, pool):
    job = start(ds, pool, seed=3, paused=True)
    first = job.snapshot().state_dict()
    job.resume()
    wait_for(lambda: job.progress()["step"] > 20)
    job.reset()
    wait_for(lambda: job.status == "paused" and job.progress()["step"] == 0)
    assert len(job.metrics()) == 0
    assert job.parameter_history().steps() == [0]  # a fresh history, from the fresh weights
    again = job.snapshot().state_dict()
    assert all(torch.equal(first[k], again[k]) for k in first)
    job.resume()
    wait_for(lambda: job.progress()["step"] > 5)
    job.stop()
    assert job.wait(10)
    job.reset()  # after the thread ended: a new thread, paused at step 0
    wait_status(job, "paused")
    assert job.progress()["step"] == 0
    job.stop()
    assert job.wait(10)


def test_apply_edits_a_weight_on_the_training_thread(ds, pool):
    job = start(ds, pool)
    wait_for(lambda: job.progress()["step"] > 2)
    threads = []

    def edit(model):
        threads.append(threading.current_thread().name)
        with torch.no_grad():
            model.linear1.weight[0, 0] = 42.0
        return "done"

    job.pause()
    wait_status(job, "paused")
    assert job.apply(edit) == "done"
    assert threads == [f"dlcore-job-{job.id}"]
    assert job.snapshot().linear1.weight[0, 0].item() == 42.0
    job.stop()
    assert job.wait(10)


def test_snapshot_is_a_cpu_eval_copy_that_training_does_not_change(ds, pool):
    job = start(ds, pool)
    wait_for(lambda: job.progress()["step"] > 2)
    snap = job.snapshot()
    before = {k: v.clone() for k, v in snap.state_dict().items()}
    wait_for(lambda: job.progress()["step"] > 50)
    assert not snap.training
    assert all(p.device.type == "cpu" for p in snap.parameters())
    assert all(torch.equal(before[k], v) for k, v in snap.state_dict().items())
    job.stop()
    job.wait(10)


def test_metrics_since_cursor_returns_only_new_rows(ds, pool):
    job = start(ds, pool)
    wait_for(lambda: job.progress()["step"] > 10)
    first = job.metrics()
    cursor = first.attrs["cursor"]
    wait_for(lambda: job.cursor > cursor)
    more = job.metrics(since=cursor)
    assert len(more) and more["step"].min() > first["step"].max()
    assert {
        "step",
        "epoch",
        "train_loss",
        "val_loss",
        "train_accuracy",
        "val_accuracy",
        "lr",
        "samples_per_s",
    } <= set(more.columns)
    job.stop()
    job.wait(10)


def test_progress_has_eta_for_a_fixed_number_of_epochs(ds, pool):
    job = start(ds, pool, epochs=500)
    wait_for(lambda: job.progress()["step"] > 100)
    p = job.progress()
    assert 0 < p["fraction"] < 1 and p["eta_s"] > 0 and p["elapsed_s"] > 0 and p["epochs"] == 500
    job.stop()
    job.wait(10)


def test_an_exception_in_the_thread_becomes_an_error_not_a_hang(ds, pool, monkeypatch):
    job = start(ds, pool, paused=True)
    wait_status(job, "paused")

    def broken(*args):
        raise ValueError("boom")

    monkeypatch.setattr(SupervisedRecipe, "step", broken)
    job.resume()
    assert job.wait(10)
    assert job.status == "failed" and "boom" in job.error
    assert not job.diverged  # a failure, but not of the loss


def test_time_limit_stops_the_job(ds, pool):
    job = start(ds, pool, max_seconds=1.0)
    assert job.wait(20)
    assert job.status == "stopped" and "time limit" in job.message


def test_no_thread_outlives_its_job(ds, pool):
    jobs = [start(ds, pool, owner=f"t{i}") for i in range(3)]
    for job in jobs:
        job.stop()
        assert job.wait(10)
    wait_for(lambda: not pool.reaper_alive)
    names = [t.name for t in threading.enumerate()]
    assert not [
        n for n in names if n.startswith("dlcore-job-") and n.split("-")[-1] in {str(j.id) for j in jobs}
    ]


def test_early_stopping_keeps_the_best_weights():
    from torch import nn

    from dlcore.jobs import EarlyStopping
    from dlcore.training import StopTraining

    model = nn.Linear(1, 1)
    stopper = EarlyStopping(patience=2)
    stopper.on_fit_start({"model": model, "models": {"model": model}})
    best = None
    with pytest.raises(StopTraining) as stop:
        for epoch, loss in enumerate([1.0, 0.5, 0.7, 0.9, 0.4], start=1):
            with torch.no_grad():
                model.weight.fill_(float(epoch))
            if epoch == 2:
                best = model.weight.item()
            stopper.on_epoch_end(epoch, {"val_loss": loss})
    assert (
        "epoch 4" in stop.value.reason and "epoch 2" in stop.value.reason and stop.value.status == "finished"
    )
    stopper.on_fit_end({"status": "finished"})
    assert model.weight.item() == best


def test_early_stopping_ends_a_real_run_as_finished(ds, pool):
    job = start(ds, pool, epochs=2000, lr=0.05, early_stopping_patience=3)
    assert job.wait(60)
    assert job.status == "finished" and "stopped early" in job.message.lower()
    assert job.progress()["epoch"] < 2000


def test_out_of_memory_stops_the_job_and_says_what_to_shrink(ds, pool, monkeypatch):
    job = start(ds, pool, paused=True, batch_size=256)
    wait_status(job, "paused")

    def too_big(*args):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(SupervisedRecipe, "step", too_big)
    job.resume()
    assert job.wait(10)
    assert job.status == "failed"
    assert "ran out of memory" in job.error and "batch size" in job.error and "64" in job.error
    assert job._data is None  # the device copy of the data is gone


def test_a_model_too_large_for_one_job_is_refused_before_training(ds):
    with pytest.raises(dlcore.TrainError, match="fewer units") as err:
        start(ds, JobPool(max_parameters=10))
    assert err.value.field == "model"


@settings(max_examples=12, deadline=None)
@given(
    commands=st.lists(
        st.sampled_from(["pause", "resume", "step", "step_epoch", "apply", "snapshot", "reset", "wait"]),
        max_size=8,
    )
)
def test_any_sequence_of_commands_ends_cleanly_when_stopped(commands):
    ds = dlcore.data.load("xor")
    pool = JobPool(heartbeat_grace_s=600)
    job = start(ds, pool, paused=True)
    last_step = 0
    for command in commands:
        if command == "pause":
            job.pause()
        elif command == "resume":
            job.resume()
        elif command == "step":
            job.step()
        elif command == "step_epoch":
            job.step(unit="epoch")
        elif command == "apply":
            assert job.apply(lambda model: sum(p.numel() for p in model.parameters())) > 0
        elif command == "snapshot":
            assert not job.snapshot().training
        elif command == "reset":
            job.reset()  # answers at once; the thread starts over at its next step
            wait_for(lambda: job.progress()["step"] == 0 and job.status == "paused", timeout=10)
            last_step = 0
        else:
            time.sleep(0.02)
        assert job.status in ("queued", "running", "paused")
        step = job.progress()["step"]
        assert step >= last_step
        last_step = step
    job.stop()
    assert job.wait(10), "the job did not end after stop"
    assert job.status == "stopped" and not job._thread.is_alive()


def test_a_job_queued_after_a_pause_still_answers_snapshots(ds):
    pool = JobPool(max_per_device={"cpu": 1}, turn_s=3600)
    first = start(ds, pool, owner="a")
    wait_status(first, "running")
    first.pause()
    wait_status(first, "paused")
    second = start(ds, pool, owner="b")  # takes the slot the paused job gave away
    wait_status(second, "running")
    first.resume()  # now waits for the slot
    wait_status(first, "queued")
    assert first.apply(lambda model: model.training, timeout=5) is True
    assert not first.snapshot().training
    second.stop()
    wait_status(first, "running")
    first.stop()
    assert first.wait(10) and second.wait(10)


def test_the_gradient_record_ends_where_a_short_run_ended(pool):
    # A run over in a fraction of a second still gets a gradient chart from its first step to its last.
    ds = dlcore.data.load("xor")
    job = start(ds, pool, epochs=3)
    assert job.wait(30) and job.status == "finished"
    norms = job.grad_norms()
    last_step = job.progress()["step"]
    assert norms["step"].max() == last_step
    for _, layer in norms.groupby("layer"):
        assert layer["step"].min() < last_step and layer["step"].is_unique
