"""Benchmark of the hyper-parameter search: a 12-trial Optuna search on the digits, pruning on.

    python scripts/bench_search.py               # TPE, then random and grid, on the Digits MLP preset
    python scripts/bench_search.py --repeats 3

Each search varies the learning rate (log scale, 1e-5 to 1), the hidden width (4 to 256), the batch size
(16 to 256, log scale) and the optimizer (Adam or SGD); every trial trains as an ordinary job (one
intra-op thread, taking turns like any run) for up to 20 epochs. Prints the wall time of each search, how
many trials finished and were pruned, and the best trial's validation accuracy against the median
trial's. The bar: the TPE search finishes within 3 minutes on 2 CPU cores, its best beating its median.
Trials are kept as runs, as in the app, in a temporary data folder (unless DLP_DATA_DIR names one).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import dlcore  # noqa: E402
from dlcore.runs.search import start_search  # noqa: E402
from dlcore.runs.search_plan import Range, SearchPlan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RANGES = (Range("lr", 1e-5, 1.0), Range("width", 4, 256), Range("batch_size", 16, 256))


def run(method: str, seed: int) -> dict:
    spec = json.loads((ROOT / "assets/presets/digits_mlp.json").read_text())
    spec.pop("train")
    plan = SearchPlan(
        ranges=RANGES, optimizers=("adam", "sgd"), method=method, trials=12, epochs=20, prune=True, seed=seed
    )
    started = time.perf_counter()
    search = start_search(plan, spec, dlcore.data.load("digits"))
    search.wait()
    seconds = time.perf_counter() - started
    trials = search.trials()
    best = search.best()
    return {
        "seconds": seconds,
        "finished": int((trials["state"] == "finished").sum()),
        "pruned": int((trials["state"] == "pruned").sum()),
        "best": best["score"] if best else float("nan"),
        "median": statistics.median(trials["score"].dropna()),
    }


def main() -> None:
    os.environ.setdefault("DLP_DATA_DIR", tempfile.mkdtemp(prefix="dlp-bench-search-"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"device: {dlcore.device_info()}")
    print("method  seed  wall s  finished  pruned  best val acc  median val acc")
    for method in ("tpe", "random", "grid"):
        for seed in range(args.repeats):
            r = run(method, seed)
            print(
                f"{method:6}  {seed:4}  {r['seconds']:6.1f}  {r['finished']:8}  {r['pruned']:6}  "
                f"{r['best']:12.3f}  {r['median']:14.3f}"
            )


if __name__ == "__main__":
    main()
