"""Benchmark of rewind: what keeping moments of the model costs a training run, in time and in memory.

    python scripts/bench_rewind.py              # a 100k-parameter MLP on the digits, and the playground's MLP
    python scripts/bench_rewind.py --repeats 5

Trains the same model from the same weights through the engine's fit() with and without the job's
Rewind callback, in alternating runs (one intra-op thread, as a job trains), and prints the median time
of each and what the kept moments take against the cap. On a shared machine the difference of two
timings is mostly noise, so it also prints the time spent inside Rewind's own calls, as a share of the run.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import dlcore  # noqa: E402
from dlcore.jobs.rewind import Rewind  # noqa: E402
from dlcore.training import fit, make_recipe  # noqa: E402

MB = 2**20
WORKLOADS = {
    # 64 -> 300 -> 256 -> 10: 98,826 parameters
    "100k-parameter MLP, digits, batch 32": (
        "digits",
        {"input_shape": [1, 8, 8], "layers": [
            {"type": "Flatten"}, {"type": "Linear", "out_features": 300}, {"type": "ReLU"},
            {"type": "Linear", "out_features": 256}, {"type": "ReLU"}, {"type": "Linear", "out_features": 10},
        ]},
        32,
        40,
    ),
    # the playground's default network: where a step is cheapest, so any per-step cost shows most
    "playground MLP (2-4-2-2 tanh), circle, batch 10": (
        "circle",
        {"input_shape": [2], "layers": [
            {"type": "Linear", "out_features": 4}, {"type": "Tanh"},
            {"type": "Linear", "out_features": 2}, {"type": "Tanh"}, {"type": "Linear", "out_features": 2},
        ]},
        10,
        80,
    ),
}  # fmt: skip


class TimedRewind(Rewind):
    """The job's Rewind, adding up the time its calls take."""

    seconds = 0.0

    def on_step_end(self, step, logs):
        started = time.perf_counter()
        super().on_step_end(step, logs)
        self.seconds += time.perf_counter() - started


def timed_fit(
    spec, ds, batch: int, epochs: int, weights: dict, rewind: bool
) -> tuple[float, int, Rewind | None]:
    model = dlcore.build_model(spec)
    model.load_state_dict(weights)
    cfg = dlcore.TrainConfig(device="cpu", epochs=epochs, batch_size=batch, optimizer="adam", lr=1e-3)
    recipe = make_recipe("supervised", {"model": model}, ds, cfg, torch.device("cpu"))
    keeper = TimedRewind(model) if rewind else None
    started = time.perf_counter()
    logs = fit(
        recipe,
        recipe.data,
        epochs=epochs,
        batch_size=batch,
        callbacks=[keeper] if keeper else [],
        generator=torch.Generator().manual_seed(0),
    )
    return time.perf_counter() - started, logs["step"], keeper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"device: CPU ({torch.get_num_threads()} intra-op thread), torch {torch.__version__}")
    for name, (dataset, layers, batch, epochs) in WORKLOADS.items():
        spec = dlcore.ModelSpec.from_dict(layers)
        ds = dlcore.data.load(dataset)
        weights = copy.deepcopy(dlcore.build_model(spec).state_dict())
        params = sum(v.numel() for v in weights.values())
        timed_fit(spec, ds, batch, 1, weights, rewind=True)  # warm-up
        without, with_, inside = [], [], []
        for repeat in range(args.repeats):
            for rewind in (repeat % 2 == 0, repeat % 2 == 1):  # which goes first alternates
                seconds, steps, keeper = timed_fit(spec, ds, batch, epochs, weights, rewind=rewind)
                (with_ if rewind else without).append(seconds)
                if rewind:
                    inside.append(keeper.seconds / seconds)
                    kept_by = keeper
        keeper = kept_by
        plain, kept = statistics.median(without), statistics.median(with_)
        print(f"\n{name}: {params:,} parameters, {steps:,} steps per run, median of {args.repeats}")
        added = 100 * (kept / plain - 1)
        print(f"  without rewind {plain:.3f} s   with rewind {kept:.3f} s   difference {added:+.1f} %")
        print(f"  time inside Rewind's calls: {100 * statistics.median(inside):.2f} % of the run")
        most = keeper.capacity * keeper.moment_bytes / MB
        print(
            f"  kept {len(keeper.steps())} moments ({keeper.bytes_used / MB:.2f} MB); at most "
            f"{keeper.capacity} ({most:.1f} MB) under the {keeper.cap_bytes / MB:.0f} MB cap"
        )


if __name__ == "__main__":
    main()
