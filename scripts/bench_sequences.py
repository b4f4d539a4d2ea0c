"""How fast the Sequences page answers: the memory tab's views of one input (hidden state, gates and the
gradient reaching each step), and the long-memory race's curves in headless Chromium.

    python scripts/bench_sequences.py [--repeats 20] [--no-browser]

Prints the median and worst seconds of one memory view per cell at the tab's default size and at its
largest (100 steps, 64 units), the race's training steps per second (every racer one step on a batch), and
how many times a second each racer's curve changed in the browser during the page's default race.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere without installing
import dlcore  # noqa: E402
from scripts.bench_inspect import cpu_name  # noqa: E402

memory = dlcore.sequences.memory


def view_seconds(state, repeats: int) -> list[float]:
    ds = memory.memory_dataset(state)
    model = dlcore.build_model(memory.memory_spec(state, ds))
    x, y = ds.test
    memory.memory_view(model, x[0], int(y[0]))  # warm-up
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        memory.memory_view(model, x[i], int(y[i]))
        times.append(time.perf_counter() - start)
    return times


def race_steps_per_s(seconds: float = 10.0) -> float:
    state = dlcore.sequences.race.RaceState(epochs=500)
    ds = dlcore.sequences.race.race_dataset(state)
    race = dlcore.sequences.race
    job = dlcore.start_training(race.race_models(state, ds), ds, race.race_config(state))
    time.sleep(2)  # past the start
    first = job.progress()["step"]
    time.sleep(seconds)
    steps = job.progress()["step"] - first
    job.stop()
    return steps / seconds


def curve_updates_per_s(seconds: float = 10.0) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for_app
    from tests.e2e.test_sequences import COUNT_UPDATES

    with running_app("bench-sequences") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/sequences?tab=race&race.epochs=500")
        wait_for_app(page, 60_000)
        page.get_by_role("button", name="Start the race").click(timeout=120_000)
        page.wait_for_function(
            "() => (document.querySelector('.steady-chart')?.data?.[0]?.x?.length ?? 0) > 2"
        )
        changes = page.evaluate(COUNT_UPDATES, int(seconds * 1000))
        browser.close()
    return {name: count / seconds for name, count in changes.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    torch.set_num_threads(1)  # as a page's request thread runs it beside the training threads
    print(
        f"device: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for cell in memory.CELLS:
        for length, hidden in ((30, 16), (100, 64)):
            times = view_seconds(memory.MemoryState(cell=cell, length=length, hidden=hidden), args.repeats)
            median, worst = statistics.median(times) * 1000, max(times) * 1000
            print(
                f"memory view, {cell} {length} steps x {hidden} units: median {median:.1f} ms, "
                f"worst {worst:.1f} ms (target <= 200 ms)"
            )
    rate, state = race_steps_per_s(), dlcore.sequences.race.RaceState()
    print(
        f"race ({len(dlcore.sequences.race.RACERS)} racers, {state.length} steps, width {state.width}, "
        f"batch 64): {rate:.1f} steps/s, each racer every step"
    )
    if not args.no_browser:
        rates = curve_updates_per_s()
        listing = ", ".join(f"{name} {rate:.1f}" for name, rate in rates.items())
        print(f"race curves in headless Chromium, updates per second: {listing} (target >= 1 each)")


if __name__ == "__main__":
    main()
