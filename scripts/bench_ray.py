"""Benchmark of jobs on Ray: a job's steps/s in this process and in an actor on a local Ray instance.

    python scripts/bench_ray.py                # 3 alternating repeats per workload
    python scripts/bench_ray.py --repeats 5

Trains the same jobs through dlcore.start_training here and on a Ray instance this script starts
(`ray.init(num_cpus=2)`, as the tests do), alternating which goes first, each kept in the run store as
in the app (SQLite in a temporary data folder). Prints the medians of: training steps/s (steps over the
job's own training clock, which leaves out start-up), the wall time from start_training until the job
ended, and the time until its first metric row. On Ray a run takes the actor started ahead for it (its
process has loaded PyTorch); the script waits until that one is ready, as a class's next Start would find
it, and prints separately the very first run's time to its first row (a new actor process starts).
Needs the 'ray' extra (pip install 'dl-playground[ray]').
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
os.environ["DLP_DATA_DIR"] = tempfile.mkdtemp(prefix="dlp-bench-ray-")  # never the home folder

import torch  # noqa: E402

import dlcore  # noqa: E402
from dlcore.jobs import remote  # noqa: E402
from scripts.bench_inspect import cpu_name  # noqa: E402

# name -> (dataset, spec, batch size, epochs)
WORKLOADS = {
    "digits MLP (2,410 parameters), batch 32": ("digits", dlcore.presets()["digits_mlp"], 32, 40),
    "shapes CNN on shapes, batch 32": ("shapes", dlcore.presets()["shapes_cnn"], 32, 4),
}


def run(workload: tuple, on_ray: bool) -> dict[str, float]:
    """One job of the workload, here or on Ray: training steps/s, wall seconds, seconds to a first row."""
    name, spec, batch, epochs = workload
    ds = dlcore.data.load(name)
    cfg = dlcore.TrainConfig(device="cpu", epochs=epochs, batch_size=batch, seed=0)
    dlcore.use_ray("auto" if on_ray else None)
    if on_ray:
        for spare in list(remote._spare.values()):
            remote.connect().get(spare.__ray_ready__.remote())
    started = time.perf_counter()
    job = dlcore.start_training(spec, ds, cfg)
    while len(job.metrics()) == 0 and job.alive:
        time.sleep(0.01)
    first = time.perf_counter() - started
    assert job.wait(600) and job.status == "finished", job.message
    wall = time.perf_counter() - started
    progress = job.progress()
    return {"steps/s": progress["step"] / progress["elapsed_s"], "wall": wall, "first": first}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    load = os.getloadavg()[0]
    print(f"device: {cpu_name()}, torch {torch.__version__}, ray {ray.__version__}, load {load:.1f}")
    print(f"{'workload':<42}{'where':>6}{'steps/s':>10}{'wall s':>9}{'first row s':>13}")
    cold = run(next(iter(WORKLOADS.values())), on_ray=True)["first"]
    print(f"the first run on Ray: {cold:.1f} s to its first row (a new actor process loads PyTorch)")
    for label, workload in WORKLOADS.items():
        results: dict[bool, list[dict]] = {False: [], True: []}
        for repeat in range(args.repeats):
            for on_ray in (False, True) if repeat % 2 == 0 else (True, False):
                results[on_ray].append(run(workload, on_ray))
        for on_ray in (False, True):
            median = {key: statistics.median(r[key] for r in results[on_ray]) for key in results[on_ray][0]}
            where = "Ray" if on_ray else "here"
            print(
                f"{label:<42}{where:>6}{median['steps/s']:>10.0f}{median['wall']:>9.2f}{median['first']:>13.2f}"
            )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    dlcore.runs.run_writer().flush()  # the last runs' ends, read from their actors
    ray.shutdown()


if __name__ == "__main__":
    main()
