"""The selective state-space layer's parallel scan against its step-by-step loop, and the diagonal layer's
convolution, at sequence length 256 (the issue asks the scan to be at least 5× faster than the loop).

    python scripts/bench_state_space.py [--repeats 5] [--length 256]

Times forward() (the parallel scan) and forward_steps() (the same recurrence one step at a time, as an
RNN runs and as the layer generates) of dlcore.ssm.SelectiveSSM, forward only (no_grad) and forward +
backward, for a few layer sizes; beside them a second loop that makes every step's projections at once
and runs only the recurrence step by step (the fastest loop we know: the scan's gain over the recurrence
alone); then DiagonalSSM's forward. Prints a Markdown table (wall-clock best and median, and the CPU
time of the thread running them, best: on a machine others share, the CPU time is what the layer itself
costs), the speed-ups and the device.
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
from dlcore.ssm import DiagonalSSM, SelectiveSSM  # noqa: E402
from scripts.bench_inspect import cpu_name  # noqa: E402

FEATURES = 16
# (batch, channels, memories per channel, complex A): the Sequences tab's size, the layer's default state
# size, a wider layer whose per-step tensors are large enough for the loop to use the cores well, and the
# tab's layer as it trains on the memory task (complex A)
SIZES = ((32, 16, 8, False), (32, 16, 16, False), (32, 32, 16, False), (32, 16, 8, True))


def best_and_median(fns, repeats: int) -> list[tuple[float, float, float]]:
    """Each function's best and median wall-clock time and its best CPU time (this thread's: torch runs
    its one intra-op thread's work on it); the functions take turns, so a change in the machine's load
    slows them alike and their ratio holds."""
    walls, cpus = [[] for _ in fns], [[] for _ in fns]
    for fn in fns:
        fn()  # warm-up
    for _ in range(repeats):
        for fn, wall, cpu in zip(fns, walls, cpus, strict=True):
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn()
            wall.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)
    return [(min(wall), statistics.median(wall), min(cpu)) for wall, cpu in zip(walls, cpus, strict=True)]


def projections_at_once(layer: SelectiveSSM):
    """The recurrence step by step after the projections of every step at once (they do not depend on the
    state): what is left for a scan to run in parallel."""

    def run(x):
        u, dt, w, B, c = layer.selection(x.permute(2, 1, 0))  # (H or N, L, B)
        a, state, outputs = layer.decay(dt), 0, []  # a: (H, N, L, B)
        for t in range(x.shape[1]):
            state = a[:, :, t] * state + w[:, None, t] * B[None, :, t]
            outputs.append((state * c[None, :, t]).sum(1).real)
        return (torch.stack(outputs, 1) + layer.D[:, None, None] * u).permute(2, 1, 0)

    return run


def forward_only(run, x):
    def go():
        with torch.no_grad():
            run(x)

    return go


def forward_backward(layer, run, x):
    def go():
        layer.zero_grad()
        run(x).square().mean().backward()

    return go


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (a training job uses 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"device: {cpu_name()}, torch {torch.__version__}, {torch.get_num_threads()} threads, load {load}")
    print(f"length {args.length}, {FEATURES} features; wall times are best / median of {args.repeats}")
    print(
        "| batch × channels × memories | pass | scan wall (ms) | loop wall (ms) | scan faster by (wall) "
        "| scan / loop CPU (ms) | scan faster by (CPU) | loop, projections at once (ms) | scan faster by |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    warmed = False
    for batch, hidden, state, complex_a in SIZES:
        torch.manual_seed(0)
        x = torch.randn(batch, args.length, FEATURES)
        layer = SelectiveSSM(FEATURES, hidden, state, return_sequence=True, complex=complex_a)
        size = f"{batch} × {hidden} × {state}{' complex' if complex_a else ''}"
        for label, backward in (("forward", False), ("forward + backward", True)):
            fns = [
                forward_backward(layer, run, x) if backward else forward_only(run, x)
                for run in (layer.forward, layer.forward_steps, projections_at_once(layer))
            ]
            if not warmed:  # the process's first second runs slower (the allocator and caches warm up)
                end = time.perf_counter() + 2
                while time.perf_counter() < end:
                    [fn() for fn in fns]
                warmed = True
            scan, loop, at_once = best_and_median(fns, args.repeats)
            print(
                f"| {size} | {label} | {scan[0] * 1e3:.1f} / {scan[1] * 1e3:.1f} | "
                f"{loop[0] * 1e3:.1f} / {loop[1] * 1e3:.1f} | "
                f"{loop[0] / scan[0]:.1f}× / {loop[1] / scan[1]:.1f}× | "
                f"{scan[2] * 1e3:.1f} / {loop[2] * 1e3:.1f} | {loop[2] / scan[2]:.1f}× | "
                f"{at_once[0] * 1e3:.1f} | {at_once[0] / scan[0]:.1f}× |"
            )
    torch.manual_seed(0)
    x = torch.randn(32, args.length, FEATURES)
    diagonal = DiagonalSSM(FEATURES, 16, 16, return_sequence=True)
    [conv] = best_and_median([forward_only(diagonal.forward, x)], args.repeats)  # wall best / median
    print(f"DiagonalSSM 32 × 16 × 16 forward (FFT convolution): {conv[0] * 1e3:.1f} / {conv[1] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
