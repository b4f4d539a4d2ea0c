"""The job pool: how many runs an owner may have, turns on a device short of places, reaping."""

import time

import pytest

import dlcore
from dlcore.jobs import JobPool
from tests.jobs.support import start, wait_for, wait_status


def test_owner_may_run_three_jobs_not_four(ds, pool):
    # Three at once: labs race three runs (or an A/B pair beside the Train page's run).
    a, b, c = start(ds, pool), start(ds, pool), start(ds, pool)
    with pytest.raises(dlcore.TrainError, match="the most at once is 3"):
        start(ds, pool)
    other = start(ds, pool, owner="tab-2")  # another session is not affected
    assert {j.id for j in pool.stop_owner("tab-1")} == {a.id, b.id, c.id}
    fresh = [start(ds, pool) for _ in range(3)]  # three new ones right away: stopping jobs hold no place
    for job in (a, b, c):
        assert job.wait(10) and job.status == "stopped"
    for job in [*fresh, other]:
        job.stop()
        assert job.wait(10)


def test_a_job_that_keeps_its_turn_makes_the_excess_wait(ds):
    pool = JobPool(max_per_device={"cpu": 1}, turn_s=3600)  # turns too long to ever pass
    first = start(ds, pool, owner="a")
    wait_status(first, "running")
    second = start(ds, pool, owner="b")
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
    pool = JobPool(max_per_device={"cpu": 1}, turn_s=0.01)
    return [start(ds, pool, owner=f"tab-{i}") for i in range(3)]


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
    pool = JobPool(heartbeat_grace_s=0.3, reap_every_s=0.05)
    watched, abandoned = start(ds, pool, owner="open-tab"), start(ds, pool, owner="closed-tab")
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


def test_progress_says_how_many_runs_take_turns_with_this_one(ds):
    jobs = three_runs_on_one_place(ds)
    wait_for(lambda: all(job.status == "running" for job in jobs))
    assert [job.progress()["sharing_with"] for job in jobs] == [2, 2, 2]
    jobs[0].pause()
    wait_status(jobs[0], "paused")
    assert [job.progress()["sharing_with"] for job in jobs] == [0, 1, 1]  # 2 running > 1 place
    stop_all(jobs)
    alone = start(ds, JobPool(max_per_device={"cpu": 2}), owner="tab-9")
    wait_status(alone, "running")
    assert alone.progress()["sharing_with"] == 0
    alone.stop()
    assert alone.wait(10)
