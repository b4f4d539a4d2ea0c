"""How fast the Learning page's tools answer: the learning-rate finder on digits (the Train page's
starting model and settings), and the optimizer race's animation in headless Chromium.

    python scripts/bench_learning.py [--repeats 5] [--no-browser]

Prints the median and best seconds of one LR finder sweep (200 steps, the page's default), and the frames
per second Plotly drew while the race played (counted from its own animation events), with the device.
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


def finder_seconds(repeats: int) -> list[float]:
    ds = dlcore.data.load("digits")
    spec = dlcore.presets()["digits_mlp"]
    cfg = dlcore.TrainConfig()
    dlcore.learning.lr_find(spec, ds, cfg, steps=20)  # warm-up: lazy imports, allocator
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        finding = dlcore.learning.lr_find(spec, ds, cfg)
        times.append(time.perf_counter() - start)
    print(f"  suggestion {finding.suggestion:.3g} after {len(finding.lrs)} steps")
    return times


def race_fps(plays: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, running_app, wait_for_app
    from tests.e2e.test_learning import COUNT_FRAMES

    rates = []
    with running_app("bench-learning") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/learning?tool=race")
        wait_for_app(page, 60_000)
        page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
        for _ in range(plays):
            page.evaluate(COUNT_FRAMES)
            page.locator(".updatemenu-button").first.click()
            page.wait_for_function("() => window.raceDone", timeout=60_000)
            stamps = page.evaluate("() => window.raceFrames")
            rates.append((len(stamps) - 1) / ((stamps[-1] - stamps[0]) / 1000))
        browser.close()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    print(
        f"device: {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    times = finder_seconds(args.repeats)
    print(
        f"LR finder on digits (digits MLP, Adam, batch 64): median {statistics.median(times):.2f} s, "
        f"best {min(times):.2f} s (target <= 5 s)"
    )
    if not args.no_browser:
        rates = race_fps(3)
        print(
            f"race animation in headless Chromium: median {statistics.median(rates):.1f} frames/s, "
            f"worst {min(rates):.1f} (target >= 10)"
        )


if __name__ == "__main__":
    main()
