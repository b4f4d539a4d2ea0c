"""Jobs: pause/step/resume/stop/reset, live edits and snapshots, and the scheduler's limits and reaping."""

import threading
import time

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.jobs import Scheduler
from dlcore.training.supervised import SupervisedRecipe


@pytest.fixture(scope="module")
def ds():
    return dlcore.data.load("spiral")


@pytest.fixture
def sched():
    return Scheduler(heartbeat_grace_s=600)


def spec(width=8):
    return dlcore.ModelSpec.from_dict(
        {
            "input_shape": [2],
            "layers": [
                {"type": "Linear", "out_features": width},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 2},
            ],
        }
    )


def start(ds, sched, owner="tab-1", paused=False, **cfg):
    cfg = {"device": "cpu", "epochs": None, "lr": 0.01, **cfg}
    return dlcore.start_training(
        spec(), ds, dlcore.TrainConfig(**cfg), owner=owner, scheduler=sched, paused=paused
    )


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def wait_status(job, *statuses):
    wait_for(lambda: job.status in statuses)


def test_pause_step_resume_stop(ds, sched):
    job = start(ds, sched)
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


def test_start_paused_then_single_steps_from_step_zero(ds, sched):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu"), scheduler=sched, paused=True)
    wait_status(job, "paused")
    assert job.progress()["step"] == 0
    job.step()
    wait_for(lambda: job.progress()["step"] == 1 and job.status == "paused")
    assert len(job.metrics()) == 1
    job.stop()
    assert job.wait(10)


def test_an_epoch_step_from_step_zero_pauses_with_that_epoch_scored(ds, sched):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu"), scheduler=sched, paused=True)
    wait_status(job, "paused")
    job.step(unit="epoch")
    wait_for(lambda: job.status == "paused" and job.progress()["step"] > 0)
    assert job.progress()["step"] == job._recorder.steps_per_epoch
    assert job.progress()["epoch"] == 1 and len(job.epoch_metrics()) == 1  # its validation point shows
    job.stop()
    assert job.wait(10)


def test_a_step_asked_for_before_the_thread_starts_trains_exactly_one_batch(ds, sched):
    # Step pressed at once after Start (before the thread reaches its first step) is not lost.
    for _ in range(5):
        job = dlcore.start_training(
            spec(), ds, dlcore.TrainConfig(device="cpu"), scheduler=sched, paused=True
        )
        job.step()
        wait_for(lambda job=job: job.progress()["step"] >= 1 and job.status == "paused", timeout=10)
        assert job.progress()["step"] == 1
        job.stop()
        assert job.wait(10)


def test_step_rejects_unknown_unit(ds, sched):
    job = start(ds, sched)
    with pytest.raises(dlcore.TrainError, match="unit"):
        job.step(unit="minute")
    job.stop()
    job.wait(10)


def test_reset_starts_over_with_the_seeds_weights(ds, sched):
    job = start(ds, sched, seed=3, paused=True)
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


def test_apply_edits_a_weight_on_the_training_thread(ds, sched):
    job = start(ds, sched)
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


def test_snapshot_is_a_cpu_eval_copy_that_training_does_not_change(ds, sched):
    job = start(ds, sched)
    wait_for(lambda: job.progress()["step"] > 2)
    snap = job.snapshot()
    before = {k: v.clone() for k, v in snap.state_dict().items()}
    wait_for(lambda: job.progress()["step"] > 50)
    assert not snap.training
    assert all(p.device.type == "cpu" for p in snap.parameters())
    assert all(torch.equal(before[k], v) for k, v in snap.state_dict().items())
    job.stop()
    job.wait(10)


def test_metrics_since_cursor_returns_only_new_rows(ds, sched):
    job = start(ds, sched)
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


def test_progress_has_eta_for_a_fixed_number_of_epochs(ds, sched):
    job = start(ds, sched, epochs=500)
    wait_for(lambda: job.progress()["step"] > 100)
    p = job.progress()
    assert 0 < p["fraction"] < 1 and p["eta_s"] > 0 and p["elapsed_s"] > 0 and p["epochs"] == 500
    job.stop()
    job.wait(10)


def test_an_exception_in_the_thread_becomes_an_error_not_a_hang(ds, sched, monkeypatch):
    job = start(ds, sched, paused=True)
    wait_status(job, "paused")

    def broken(*args):
        raise ValueError("boom")

    monkeypatch.setattr(SupervisedRecipe, "step", broken)
    job.resume()
    assert job.wait(10)
    assert job.status == "failed" and "boom" in job.error


def test_time_limit_stops_the_job(ds, sched):
    job = start(ds, sched, max_seconds=1.0)
    assert job.wait(20)
    assert job.status == "stopped" and "time limit" in job.message


def test_owner_may_run_two_jobs_not_three(ds, sched):
    a, b = start(ds, sched), start(ds, sched)
    with pytest.raises(dlcore.TrainError, match="stop one"):
        start(ds, sched)
    other = start(ds, sched, owner="tab-2")  # another session is not affected
    assert {j.id for j in sched.stop_owner("tab-1")} == {a.id, b.id}
    c, d = start(ds, sched), start(ds, sched)  # a new pair right away: stopping jobs hold no place
    for job in (a, b):
        assert job.wait(10) and job.status == "stopped"
    for job in (c, d):
        job.stop()
        assert job.wait(10)
    other.stop()
    assert other.wait(10)


def test_a_job_that_keeps_its_turn_makes_the_excess_wait(ds):
    sched = Scheduler(max_per_device={"cpu": 1}, turn_s=3600)  # turns too long to ever pass
    first = start(ds, sched, owner="a")
    wait_status(first, "running")
    second = start(ds, sched, owner="b")
    time.sleep(0.3)
    assert second.status == "queued" and second.progress()["step"] == 0
    first.pause()  # a paused job gives its place away
    wait_status(second, "running")
    second.stop()
    first.resume()
    wait_status(first, "running")
    first.stop()
    assert first.wait(10) and second.wait(10)


def three_runs_on_one_place(ds) -> list:
    """Three runs, each its own tab's, on a CPU with one place: they must take (short) turns."""
    sched = Scheduler(max_per_device={"cpu": 1}, turn_s=0.01)
    return [start(ds, sched, owner=f"tab-{i}") for i in range(3)]


def stop_all(jobs) -> None:
    for job in jobs:
        job.stop()
    assert all(job.wait(10) and job.status == "stopped" for job in jobs)


def test_runs_beyond_the_device_cap_take_turns_so_all_of_them_move(ds):
    jobs = three_runs_on_one_place(ds)
    wait_for(lambda: all(job.progress()["step"] > 0 for job in jobs))
    marks = [job.progress()["step"] for job in jobs]
    wait_for(lambda: all(job.progress()["step"] > mark for job, mark in zip(jobs, marks, strict=True)))
    assert all(job.status == "running" for job in jobs)
    stop_all(jobs)


def test_job_without_heartbeat_is_reaped_and_freed(ds):
    sched = Scheduler(heartbeat_grace_s=0.3, reap_every_s=0.05)
    watched, abandoned = start(ds, sched, owner="open-tab"), start(ds, sched, owner="closed-tab")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        watched.heartbeat()
        time.sleep(0.05)
    assert abandoned.wait(5) and abandoned.status == "stopped"
    assert "page was closed" in abandoned.message
    with pytest.raises(dlcore.TrainError, match="freed"):
        abandoned.snapshot()
    assert watched.status == "running"
    watched.stop()
    assert watched.wait(10)


def test_no_thread_outlives_its_job(ds, sched):
    jobs = [start(ds, sched, owner=f"t{i}") for i in range(3)]
    for job in jobs:
        job.stop()
        assert job.wait(10)
    wait_for(lambda: not sched.reaper_alive)
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
    stopper.on_fit_start({"model": model})
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


def test_early_stopping_ends_a_real_run_as_finished(ds, sched):
    job = start(ds, sched, epochs=2000, lr=0.05, early_stopping_patience=3)
    assert job.wait(60)
    assert job.status == "finished" and "stopped early" in job.message.lower()
    assert job.progress()["epoch"] < 2000


def test_out_of_memory_stops_the_job_and_says_what_to_shrink(ds, sched, monkeypatch):
    job = start(ds, sched, paused=True, batch_size=256)
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
        start(ds, Scheduler(max_parameters=10))
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
    sched = Scheduler(heartbeat_grace_s=600)
    job = start(ds, sched, paused=True)
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
    sched = Scheduler(max_per_device={"cpu": 1}, turn_s=3600)
    first = start(ds, sched, owner="a")
    wait_status(first, "running")
    first.pause()
    wait_status(first, "paused")
    second = start(ds, sched, owner="b")  # takes the slot the paused job gave away
    wait_status(second, "running")
    first.resume()  # now waits for the slot
    wait_status(first, "queued")
    assert first.apply(lambda model: model.training, timeout=5) is True
    assert not first.snapshot().training
    second.stop()
    wait_status(first, "running")
    first.stop()
    assert first.wait(10) and second.wait(10)


def test_progress_says_how_many_runs_take_turns_with_this_one(ds):
    jobs = three_runs_on_one_place(ds)
    wait_for(lambda: all(job.status == "running" for job in jobs))
    assert [job.progress()["sharing_with"] for job in jobs] == [2, 2, 2]
    jobs[0].pause()
    wait_status(jobs[0], "paused")
    assert [job.progress()["sharing_with"] for job in jobs] == [0, 1, 1]  # 2 running > 1 place
    stop_all(jobs)
    alone = start(ds, Scheduler(max_per_device={"cpu": 2}), owner="tab-9")
    wait_status(alone, "running")
    assert alone.progress()["sharing_with"] == 0
    alone.stop()
    assert alone.wait(10)


def test_the_gradient_record_ends_where_a_short_run_ended(sched):
    # A run over in a fraction of a second still gets a gradient chart from its first step to its last.
    ds = dlcore.data.load("xor")
    job = start(ds, sched, epochs=3)
    assert job.wait(30) and job.status == "finished"
    norms = job.grad_norms()
    last_step = job.progress()["step"]
    assert norms["step"].max() == last_step
    for _, layer in norms.groupby("layer"):
        assert layer["step"].min() < last_step and layer["step"].is_unique
