"""Rewind: the moments a job keeps of its model, thinned under a memory cap; models rebuilt from them."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore.jobs import JobPool
from dlcore.jobs.job import seeded_build
from dlcore.jobs.rewind import Rewind, state_bytes
from dlcore.training import Callback
from tests.jobs.support import spec, start, wait_for, wait_status


def run_events(rewind: Rewind, model: nn.Module, steps: int, start: int = 0) -> dict[int, dict]:
    """Feed `rewind` a run of `steps` steps that changes every weight each step; returns each step's state."""
    seen = {start: {k: v.clone() for k, v in model.state_dict().items()}}
    rewind.on_fit_start({"model": model, "step": start})
    for step in range(start + 1, start + steps + 1):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.01 * step)
        seen[step] = {k: v.clone() for k, v in model.state_dict().items()}
        rewind.on_step_end(step, {})
        assert not rewind.enabled or rewind.steps()[-1] == step or not rewind.due(step)  # kept when due
    rewind.on_fit_end({"step": start + steps, "status": "finished"})
    return seen


@settings(max_examples=40)
@given(moments=st.integers(3, 40), steps=st.integers(0, 3000), start=st.integers(0, 50))
def test_thinning_keeps_the_first_and_the_latest_and_the_cap_holds(moments, steps, start):
    model = nn.Linear(3, 2)
    cap = moments * state_bytes(model) + state_bytes(model) // 2  # room for `moments` copies, not more
    rewind = Rewind(model, cap_bytes=cap)
    seen = run_events(rewind, model, steps, start)
    kept = rewind.steps()
    assert kept[0] == start and kept[-1] == start + steps
    assert kept == sorted(set(kept))
    assert len(kept) <= moments and rewind.bytes_used <= cap
    for step in kept:  # each copy is the model as it was at its step
        for name, value in rewind.state_at(step).items():
            assert torch.equal(value, seen[step][name])


def test_early_steps_are_kept_densely_and_later_ones_sparsely():
    model = nn.Linear(3, 2)
    rewind = Rewind(model)
    run_events(rewind, model, 5000)
    kept = rewind.steps()
    assert kept[:20] == list(range(20))  # every step at first
    gaps = [b - a for a, b in zip(kept, kept[1:], strict=False)]
    assert gaps[-2] > 50 * gaps[0]  # far apart at the end
    assert len(kept) <= rewind.capacity


def test_a_model_too_big_for_three_copies_keeps_nothing():
    model = nn.Linear(10, 10)
    rewind = Rewind(model, cap_bytes=2 * state_bytes(model))
    run_events(rewind, model, 10)
    assert not rewind.enabled and rewind.steps() == [] and rewind.first_state() is None


def test_a_rewound_snapshot_has_the_weights_training_had_at_that_step(ds, pool):
    recorded = {}

    class Record(Callback):
        def on_fit_start(self, logs):
            self.model = logs["model"]

        def on_step_end(self, step, logs):
            recorded[step] = {k: v.clone() for k, v in self.model.state_dict().items()}

    job = dlcore.start_training(
        spec(), ds, dlcore.TrainConfig(device="cpu", epochs=3), pool=pool, paused=True
    )
    wait_status(job, "paused")
    job.add_callback(Record())
    job.resume()
    assert job.wait(30) and job.status == "finished"
    kept = job.rewind.steps()
    assert kept[0] == 0 and kept[-1] == job.progress()["step"]
    first = seeded_build(job.setup.models, job.config.seed)["model"]
    for name, value in job.snapshot(step=0).state_dict().items():
        assert torch.equal(value, first.state_dict()[name])  # the weights training started from
    for step in kept[1:]:
        snapshot = job.snapshot(step=step)
        assert not snapshot.training
        for name, value in snapshot.state_dict().items():
            assert torch.equal(value, recorded[step][name])


def test_a_step_that_was_not_kept_is_named_with_the_kept_ones(ds, pool):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu", epochs=1), pool=pool)
    assert job.wait(30)
    with pytest.raises(
        dlcore.TrainError, match="step 99999 of this training was not kept; kept steps: \\[0, 1"
    ):
        job.snapshot(step=99999)


def test_a_reset_forgets_the_moments_of_the_old_weights(ds, pool):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu", epochs=None), pool=pool)
    wait_for(lambda: len(job.rewind.steps()) > 5)
    job.reset(seed=7)
    wait_status(job, "paused")
    assert job.rewind.steps() == []  # nothing kept of the old weights; the new ones once training starts
    job.step()
    wait_for(lambda: job.rewind.steps() == [0])
    job.stop()
    assert job.wait(10)


def test_the_first_moment_is_the_weights_loaded_into_a_paused_job_before_it_trains(ds, pool):
    job = dlcore.start_training(
        spec(), ds, dlcore.TrainConfig(device="cpu", epochs=1), pool=pool, paused=True
    )
    wait_status(job, "paused")
    job.apply(lambda model: [p.data.fill_(0.25) for p in model.parameters()])  # as the playground continues
    job.resume()
    assert job.wait(30)
    assert all(torch.all(value == 0.25) for value in job.snapshot(step=0).state_dict().values())


def test_a_job_stopped_while_paused_before_its_first_step_is_stopped_not_failed(ds, pool):
    job = dlcore.start_training(spec(), ds, dlcore.TrainConfig(device="cpu"), pool=pool, paused=True)
    wait_status(job, "paused")
    job.stop()
    assert job.wait(10)
    assert job.status == "stopped" and job.rewind.steps() == []


def test_a_reaped_job_lets_go_of_its_kept_moments(ds):
    pool = JobPool(heartbeat_grace_s=0.3, reap_every_s=0.05)
    abandoned = start(ds, pool, owner="closed-tab")  # trains until stopped; nobody sends heartbeats
    wait_for(lambda: len(abandoned.rewind.steps()) > 3)
    assert abandoned.wait(10) and abandoned.status == "stopped"
    wait_for(lambda: abandoned.rewind.steps() == [])
    assert abandoned.rewind.bytes_used == 0 and abandoned.rewind._model is None
