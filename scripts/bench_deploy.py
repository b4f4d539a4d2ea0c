"""How long the Deploy page's report takes for a digits CNN: float32, dynamic int8, static int8, float16,
each with its size, latency (one thread, all threads) and test accuracy; then the pruning curve.

    python scripts/bench_deploy.py [--repeats 3]

Trains the CNN for a few seconds first (not timed), then prints the median and best time of
dlcore.deploy_report and dlcore.pruning_curve, the report itself, and the device. The issue's target for
the report is 10 s on CPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing
import dlcore  # noqa: E402
from dlcore.jobs import JobPool  # noqa: E402
from scripts.bench_inspect import cpu_name  # noqa: E402

DIGITS_CNN = {
    "input_shape": [1, 8, 8],
    "layers": [
        {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
        {"type": "ReLU"},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 64},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 10},
    ],
}
SPARSITIES = [0.0, 0.25, 0.5, 0.75, 0.9]
TARGET_S = 10.0


def timed(fn, repeats: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ds = dlcore.data.load("digits")
    config = dlcore.TrainConfig(device="cpu", epochs=15, lr=0.01, batch_size=32, seed=0)
    job = dlcore.start_training(dlcore.ModelSpec.from_dict(DIGITS_CNN), ds, config, pool=JobPool())
    job.wait()
    model = job.snapshot()
    report_s, report_best, report = timed(lambda: dlcore.deploy_report(model, ds), args.repeats)
    curve_s, curve_best, _ = timed(
        lambda: dlcore.pruning_curve(model, ds, SPARSITIES, fine_tune_steps=100), args.repeats
    )
    print(report.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"deploy_report: median {report_s:.2f} s, best {report_best:.2f} s (target {TARGET_S:.0f} s)")
    print(f"pruning_curve ({len(SPARSITIES)} sparsities, 100 fine-tune steps): median {curve_s:.2f} s")
    print(f"device: {cpu_name()}, {torch.get_num_threads()} threads, torch {torch.__version__}")


if __name__ == "__main__":
    main()
