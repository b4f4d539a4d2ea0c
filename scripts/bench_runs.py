"""Benchmark of kept runs: what recording a job into the run store adds to its training time.

    python scripts/bench_runs.py               # 4 alternating repeats per workload
    python scripts/bench_runs.py --repeats 6

Trains the same jobs through dlcore.start_training with the run store recording them (as every job is)
and without (record_job replaced by a no-op), alternating which goes first, and prints the median
training time of each. On a shared machine the difference of two timings is mostly noise, so it also
prints the time the recording itself takes: its callback on the training thread (weight copies) and the
writer thread's flushes (reading the job's metrics, writing them to SQLite), as a share of the run.
The store is SQLite in a temporary data folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing
os.environ["DLP_DATA_DIR"] = tempfile.mkdtemp(prefix="dlp-bench-runs-")  # never the home folder

import torch  # noqa: E402

import dlcore  # noqa: E402
import dlcore.jobs.start as starting  # noqa: E402
from dlcore.runs import recording  # noqa: E402
from scripts.bench_inspect import cpu_name  # noqa: E402

PLAYGROUND_MLP = {
    "input_shape": [2],
    "layers": [
        {"type": "Linear", "out_features": 4},
        {"type": "Tanh"},
        {"type": "Linear", "out_features": 2},
        {"type": "Tanh"},
        {"type": "Linear", "out_features": 2},
    ],
}
# name -> (dataset, spec, batch size, epochs, jobs at once)
WORKLOADS = {
    "digits MLP (2,410 parameters), batch 32": ("digits", dlcore.presets()["digits_mlp"], 32, 25, 1),
    # the cheapest steps there are: the most metric rows per second for the writer
    "playground MLP (2-4-2-2 tanh), circle, batch 10": ("circle", PLAYGROUND_MLP, 10, 40, 1),
    "3 digits MLPs at once, batch 32": ("digits", dlcore.presets()["digits_mlp"], 32, 15, 3),
}


class Clock:
    """Adds up the CPU seconds of the thread calling the wrapped methods (not the time it waits for the
    interpreter lock or the disk)."""

    def __init__(self):
        self.seconds = 0.0

    def wrap(self, owner, name: str) -> None:
        method = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.thread_time() - started

        setattr(owner, name, timed)


def run(workload: tuple, recorded: bool) -> float:
    """Train the workload's jobs at once; the training time of the slowest (pauses none)."""
    name, spec, batch, epochs, count = workload
    ds = dlcore.data.load(name)
    cfg = dlcore.TrainConfig(device="cpu", epochs=epochs, batch_size=batch, seed=0)
    starting.record_job = RECORD if recorded else (lambda *args, **kwargs: None)
    pool = dlcore.JobPool(max_per_owner=count)
    jobs = [dlcore.start_training(spec, ds, cfg, pool=pool) for _ in range(count)]
    for job in jobs:
        job.wait()
    recording.run_writer().flush()  # its last flush belongs to this run's cost
    return max(job.progress()["elapsed_s"] for job in jobs)


RECORD = starting.record_job


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=4)
    args = parser.parse_args()
    callback_clock, writer_clock = Clock(), Clock()
    for method in ("on_fit_start", "on_epoch_end", "on_fit_end"):
        callback_clock.wrap(recording.RunCallback, method)
    writer_clock.wrap(recording.RunWriter, "flush")
    print(f"Device: CPU, {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}")
    print(f"Store: {dlcore.run_store().where}, flushed every {recording.FLUSH_S:g} s\n")
    print("| workload | steps | training time without / with recording (median) | callback | writer |")
    print("|---|---:|---:|---:|---:|")
    for label, workload in WORKLOADS.items():
        run(workload, recorded=True)  # warm up: imports, the dataset, the first database writes
        times: dict[bool, list[float]] = {False: [], True: []}
        callback_clock.seconds = writer_clock.seconds = 0.0
        for repeat in range(args.repeats):
            for recorded in (False, True) if repeat % 2 == 0 else (True, False):
                times[recorded].append(run(workload, recorded))
        recorded_s = sum(times[True])
        without, with_ = statistics.median(times[False]), statistics.median(times[True])
        steps = dlcore.run_store().runs(limit=1)[0].steps
        callback, writer = (clock.seconds / recorded_s * 100 for clock in (callback_clock, writer_clock))
        print(
            f"| {label} | {steps:,} | {without:.2f} s / {with_:.2f} s ({(with_ / without - 1) * 100:+.1f} %) "
            f"| {callback:.2f} % | {writer:.2f} % |"
        )


if __name__ == "__main__":
    main()
