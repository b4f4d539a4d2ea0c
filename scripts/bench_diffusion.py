"""Benchmark of the Generative page's diffusion family: does the denoiser keep training at ≥ 300 steps/s
while the 2-D views redraw several times a second?

    python scripts/bench_diffusion.py              # engine alone, then engine + view redraws, in process
    python scripts/bench_diffusion.py --browser    # also the real page in headless Chromium

Prints steps/s and redraws/s with the device. A "redraw" is what the page's live fragment computes per
poll for 2-D points (ui/generative/diffusion.py): a snapshot of the denoiser, its direction over the plane,
the data noised to t, the six figures serialised to JSON, and every WALK_EVERY_S the sampler's way from
noise to data for the particles.
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
sys.path.insert(0, str(ROOT / "scripts"))

import dlcore  # noqa: E402
from dlcore import generative as gen  # noqa: E402
from dlcore import plots  # noqa: E402

PARTICLES, FRAMES, WALK_EVERY_S = 200, 21, 2.0  # as the page draws them (ui/generative/diffusion.py)
LINK = {"family": "diffusion", "data": "ring", "f.t": "40"}


def start_job(state):
    ds = gen.load_data(state)
    job = dlcore.start_training(gen.models(state, ds), ds, gen.train_config(state), paused=True)
    return job, ds


def redraw(state, job, ds, walk, t: int) -> int:
    """What the live fragment computes per poll; returns the JSON size sent."""
    options = gen.options_of(state)
    process = gen.diffusion.denoising_process(
        job.snapshot(), job.setup.options, ds.train[0], options["sampler"], options["sampling_steps"]
    )
    if walk[0] is None or time.monotonic() - walk[1] > WALK_EVERY_S:
        walk[:] = [gen.diffusion.walk_back(process, PARTICLES, FRAMES, ds.test[0]), time.monotonic()]
    noisy = gen.diffusion.noised(ds.test[0], options["noise_schedule"], options["timesteps"], t)
    grid, arrows = gen.diffusion.denoising_field(process, t)
    figures = [
        plots.reverse_points(walk[0].path, 10, ds.test[0], walk[0].distance),
        plots.denoising_arrows(grid, arrows, noisy, t),
        plots.forward_points(ds.test[0], noisy, t, options["timesteps"]),
        plots.quality_curve(job.epoch_metrics()),
        plots.noise_schedule(
            gen.diffusion.schedule_curves(options["timesteps"]), options["noise_schedule"], t
        ),
        plots.role_losses(job.metrics(), ["loss"], title="Denoising loss"),
    ]
    return sum(len(f.to_json()) for f in figures)


def engine_run(seconds: float, poll_s: float | None) -> dict:
    state = gen.from_query(LINK)[0]
    job, ds = start_job(state)
    job.resume()
    time.sleep(1.0)  # past the first steps' warm-up
    redraw_s, redraw_cpu_s, sizes, walk = [], [], [], [None, 0.0]
    first, start = job.progress()["step"], time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            if poll_s is None:
                time.sleep(0.05)
                continue
            tick, cpu = time.perf_counter(), time.thread_time()
            sizes.append(redraw(state, job, ds, walk, 40))
            redraw_s.append(time.perf_counter() - tick)
            redraw_cpu_s.append(time.thread_time() - cpu)
            time.sleep(max(0.0, poll_s - (time.perf_counter() - tick)))
        elapsed = time.perf_counter() - start
        steps = job.progress()["step"] - first
    finally:
        job.stop()
        job.wait(10)
    out = {"steps_per_s": steps / elapsed}
    if redraw_s:
        out["redraws_per_s"] = len(redraw_s) / elapsed
        out["redraw_ms_median"] = 1000 * statistics.median(redraw_s)
        out["redraw_cpu_ms"] = 1000 * statistics.median(redraw_cpu_s)
        out["json_kb"] = statistics.mean(sizes) / 1024
    return out


def browser_run(seconds: float) -> dict:
    """The real page: press Play in headless Chromium at 1280×720 and count how often the particles' view
    changes, and how far the step counter under the views moves, as the student sees them."""
    from load_test import CHROMIUM_ARGS, start_server  # the app's server and browser setup
    from playwright.sync_api import sync_playwright

    server, url = start_server(None)
    query = "&".join(f"{key}={value}" for key, value in LINK.items())
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{url}/generative?{query}")
            page.wait_for_selector(".steady-chart .gtitle", timeout=120_000)
            page.get_by_role("button", name="Play").click()
            page.wait_for_function("() => /step [1-9]\\d* · running/.test(document.body.innerText)")
            page.evaluate(
                """() => { window.seen = []; let last = '';
                  setInterval(() => {
                    const title = document.querySelector('.steady-chart .gtitle')?.textContent || '';
                    const step = (document.body.innerText.match(/step (\\d+) · running/) || [])[1];
                    if (title === last || !step) return;
                    last = title;
                    window.seen.push([performance.now(), +step]);
                  }, 10); }"""
            )
            time.sleep(seconds)
            seen = page.evaluate("() => window.seen")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    if len(seen) < 2:
        return {"redraws_per_s": 0.0, "steps_per_s": 0.0}
    span_s = (seen[-1][0] - seen[0][0]) / 1000
    return {"redraws_per_s": (len(seen) - 1) / span_s, "steps_per_s": (seen[-1][1] - seen[0][1]) / span_s}


def report(label: str, result: dict) -> None:
    line = f"  {label:22s}{result['steps_per_s']:8.0f} steps/s"
    if "redraws_per_s" in result:
        line += f", {result['redraws_per_s']:.1f} redraws/s"
    if "redraw_ms_median" in result:
        line += (
            f" (redraw median {result['redraw_ms_median']:.0f} ms wall, {result['redraw_cpu_ms']:.0f} ms CPU,"
            f" {result['json_kb']:.0f} kB)"
        )
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between redraws (ui.live.POLL_S)")
    parser.add_argument("--browser", action="store_true", help="also the real page in headless Chromium")
    args = parser.parse_args()
    info = dlcore.device_info()
    threads = torch.get_num_threads()
    print(f"device: {info['device']} ({info['name']}), torch {torch.__version__}, {threads} threads")
    print(f"load average: {os.getloadavg()[0]:.1f}; diffusion on the ring of 8 with the page's defaults")
    report("engine alone", engine_run(args.seconds, None))
    report("engine + redraws", engine_run(args.seconds, args.poll))
    if args.browser:
        report("the real page", browser_run(args.seconds))


if __name__ == "__main__":
    main()
