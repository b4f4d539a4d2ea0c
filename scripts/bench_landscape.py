"""Benchmark of the loss landscape: how long the Learning page's measurements take.

    python scripts/bench_landscape.py              # the Digits MLP preset and the quick digits CNN
    python scripts/bench_landscape.py --repeats 5

Trains each model on the digits as the app does (a job), then times `dlcore.landscape.job_landscape` at
25 × 25 points (the tab's default): the line from the first weights plus the slice, on random directions
and on the training path. Prints the median and the best of the repeats with the device.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import dlcore  # noqa: E402
from dlcore.jobs import JobPool  # noqa: E402
from ui.inspect.subject import QUICK_MODEL, QUICK_TRAINING  # noqa: E402

POINTS = 25


def trained(spec: dlcore.ModelSpec, settings: dict):
    pool = JobPool(heartbeat_grace_s=600)
    job = dlcore.start_training(spec, dlcore.data.load("digits"), dlcore.TrainConfig(**settings), pool=pool)
    assert job.wait(300) and job.status == "finished", job.message
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    preset = dlcore.preset_catalogue()["digits_mlp"]
    models = {
        "Digits MLP preset": (preset.spec, preset.settings),
        "quick digits CNN (Inspect's)": (dlcore.ModelSpec.from_dict(QUICK_MODEL), QUICK_TRAINING),
    }
    cores = os.cpu_count()
    print(f"device: CPU ({cores} cores; the passes use 1 intra-op thread), torch {torch.__version__}")
    for name, (spec, settings) in models.items():
        job = trained(spec, settings)
        params = sum(p.numel() for p in job.snapshot().parameters())
        print(f"\n{name}: {params:,} parameters, {POINTS} × {POINTS} points + the line")
        for plane in ("random", "path"):
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                dlcore.landscape.job_landscape(job, POINTS, plane=plane)
                times.append(time.perf_counter() - started)
            print(f"  {plane:>6} plane: median {statistics.median(times):.2f} s, best {min(times):.2f} s")


if __name__ == "__main__":
    main()
