"""What the page benchmarks share: train a page's jobs while redrawing its views in this process, and open
the real page in headless Chromium to count its redraws where the student looks."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

import dlcore


def train_and_redraw(
    jobs: list, seconds: float, poll_s: float | None, redraw: Callable[[], float], warm_up_s: float = 0.0
) -> dict:
    """Let the started `jobs` train for `seconds` (after `warm_up_s`), then stop them; with `poll_s`, call
    `redraw()` (it returns the JSON size sent) that often meanwhile. steps/s is the slowest job's."""
    for job in jobs:
        job.resume()
    time.sleep(warm_up_s)  # past the first steps' warm-up
    first = [job.progress()["step"] for job in jobs]
    redraw_s, redraw_cpu_s, sizes = [], [], []
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            if poll_s is None:
                time.sleep(0.05)
                continue
            tick, cpu = time.perf_counter(), time.thread_time()
            sizes.append(redraw())
            redraw_s.append(time.perf_counter() - tick)
            redraw_cpu_s.append(time.thread_time() - cpu)
            time.sleep(max(0.0, poll_s - (time.perf_counter() - tick)))
        elapsed = time.perf_counter() - start
        steps = min(job.progress()["step"] - n for job, n in zip(jobs, first, strict=True))
    finally:
        for job in jobs:
            job.stop()
            job.wait(10)
    out = {"steps_per_s": steps / elapsed}
    if redraw_s:
        out["redraws_per_s"] = len(redraw_s) / elapsed
        out["redraw_ms_median"] = 1000 * statistics.median(redraw_s)
        out["redraw_ms_p95"] = 1000 * sorted(redraw_s)[int(0.95 * (len(redraw_s) - 1))]
        out["redraw_cpu_ms"] = 1000 * statistics.median(redraw_cpu_s)
        out["json_kb"] = statistics.mean(sizes) / 1024
    return out


@contextmanager
def page_in_chromium(path: str, width: int = 1280, height: int = 720) -> Iterator:
    """The app's server and the page at `path` (e.g. "/generative?family=gan") in headless Chromium."""
    from load_test import CHROMIUM_ARGS, start_server  # the app engineer's server and browser setup
    from playwright.sync_api import sync_playwright

    server, url = start_server(None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{url}{path}")
                yield page
            finally:
                browser.close()
    finally:
        server.terminate()
        server.wait(10)


def watch_changes(page, seconds: float, changed: str, step: str, steps_per_count: int = 1) -> dict:
    """Redraws/s and steps/s as the student sees them: for `seconds`, note the time and the step count
    (JS expression `step`) each time the JS expression `changed` takes a new value; `steps_per_count`
    turns what `step` counts (e.g. epochs) into steps."""
    page.evaluate(
        f"""() => {{ window.seen = [];
          const changed = () => {changed}, step = () => {step};
          let last = changed();
          setInterval(() => {{ const now = changed(), count = step();
            if (now === last || !count) return;
            last = now;
            window.seen.push([performance.now(), count]); }}, 10); }}"""
    )
    time.sleep(seconds)
    seen = page.evaluate("() => window.seen")
    if len(seen) < 2:
        return {"redraws_per_s": 0.0, "steps_per_s": 0.0}
    span_s = (seen[-1][0] - seen[0][0]) / 1000
    return {
        "redraws_per_s": (len(seen) - 1) / span_s,
        "steps_per_s": (seen[-1][1] - seen[0][1]) * steps_per_count / span_s,
    }


def arguments(doc: str, poll_s: float) -> argparse.ArgumentParser:
    """The options every page benchmark takes; a script adds its own before parsing."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument(
        "--poll", type=float, default=poll_s, help="seconds between redraws (the page's run_every)"
    )
    parser.add_argument(
        "--browser", action="store_true", help="also measure the real page in headless Chromium"
    )
    return parser


def print_machine(poll_s: float) -> None:
    info = dlcore.device_info()
    threads = torch.get_num_threads()
    print(f"device: {info['device']} ({info['name']}), torch {torch.__version__}, {threads} threads")
    print(f"redraws every {poll_s:g} s; the machine's load average: {os.getloadavg()[0]:.1f}")


def report(label: str, result: dict, unit: str = "steps/s") -> None:
    line = f"  {label:26s}{result['steps_per_s']:8.0f} {unit}"
    if "redraws_per_s" in result:
        line += f", {result['redraws_per_s']:.1f} redraws/s"
    if "redraw_ms_median" in result:
        line += (
            f" (median {result['redraw_ms_median']:.0f} ms, p95 {result['redraw_ms_p95']:.0f} ms, "
            f"CPU {result['redraw_cpu_ms']:.0f} ms, {result['json_kb']:.0f} kB)"
        )
    print(line, flush=True)
