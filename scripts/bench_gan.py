"""Benchmark of the GAN family of the Generative page: does the GAN keep training fast while its views redraw
several times a second?

    python scripts/bench_gan.py              # engine alone, engine + view redraws (2-D and digits)
    python scripts/bench_gan.py --browser    # also the real page in headless Chromium

Prints generator steps/s and redraws/s with the device. A "redraw" is what the family's live views compute
per poll: a snapshot of both networks, the plane picture (the discriminator over a 40 x 40 grid, 250 fixed
samples and their push, the latent grid through the generator), the plane, manifold and loss figures
serialised to JSON as Streamlit sends them; for digits, the 16 fixed samples and their grid.
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
from dlcore import plots  # noqa: E402
from dlcore.generative import gan  # noqa: E402
from dlcore.presets import presets  # noqa: E402

BATCH = 64


def specs(data_shape: tuple[int, ...]) -> dict:
    """The presets' generator and discriminator, sized for the data (8 latent numbers)."""
    g, d = presets()["gan_generator"].to_dict(), presets()["gan_discriminator"].to_dict()
    size = 1
    for n in data_shape:
        size *= n
    g["layers"][-1]["out_features"] = size
    if len(data_shape) > 1:
        g["layers"].append({"type": "Unflatten", "unflattened_size": list(data_shape)})
        d["layers"].insert(0, {"type": "Flatten"})
    d["input_shape"] = list(data_shape)
    return {"generator": g, "discriminator": d}


def redraw(job, ds) -> int:
    """What the family's live views do per poll; returns the JSON size sent."""
    losses = plots.role_losses(job.metrics(), ["generator_loss", "discriminator_loss"])
    if ds.image_shape:
        figures = [plots.sample_images(gan.job_fixed_samples(job), columns=8), losses]
    else:
        picture = gan.job_picture(job)
        figures = [plots.gan_plane(picture), plots.gan_manifold(picture), losses]
    return sum(len(f.to_json()) for f in figures)


def engine_run(ds, seconds: float, poll_s: float | None) -> dict:
    """Train the GAN for `seconds`; with `poll_s`, redraw its views that often meanwhile."""
    cfg = dlcore.TrainConfig(recipe="gan", epochs=100_000, batch_size=BATCH, lr=2e-3, device="cpu")
    job = dlcore.start_training(specs(tuple(ds.input_shape)), ds, cfg, paused=True)
    redraw_s, cpu_s, sizes = [], [], []
    job.resume()
    time.sleep(0.5)  # past the first steps' warm-up
    first = job.progress()["step"]
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            tick, cpu = time.perf_counter(), time.thread_time()
            if poll_s is None:
                time.sleep(0.05)
                continue
            sizes.append(redraw(job, ds))
            redraw_s.append(time.perf_counter() - tick)
            cpu_s.append(time.thread_time() - cpu)
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
        out["redraw_ms_p95"] = 1000 * sorted(redraw_s)[int(0.95 * (len(redraw_s) - 1))]
        out["redraw_cpu_ms"] = 1000 * statistics.median(cpu_s)
        out["json_kb"] = statistics.mean(sizes) / 1024
    return out


def browser_run(seconds: float) -> dict:
    """The real page: GAN on the ring, Play in headless Chromium; count how often the step line changes
    (the views redraw with it) and how far the step count moves."""
    from load_test import CHROMIUM_ARGS, start_server  # the app engineer's server and browser setup
    from playwright.sync_api import sync_playwright

    server, url = start_server(None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{url}/generative?family=gan&data=ring")
            page.wait_for_selector(".gan-step", timeout=120_000)  # the page has drawn its views
            page.get_by_role("button", name="Play").click(timeout=60_000)
            page.wait_for_function(
                "() => { const s = document.querySelector('.gan-step');"
                " return s && parseInt(s.dataset.step) > 0; }",
                timeout=60_000,
            )
            page.evaluate(
                """() => { window.seen = [];
                  const read = () => parseInt(document.querySelector('.gan-step').dataset.step);
                  let last = read();
                  setInterval(() => { const now = read(); if (now !== last) { last = now;
                    window.seen.push([performance.now(), now]); } }, 10); }"""
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
    line = f"  {label:24s}{result['steps_per_s']:8.0f} generator steps/s"
    if "redraws_per_s" in result:
        line += f", {result['redraws_per_s']:.1f} redraws/s"
    if "redraw_ms_median" in result:
        line += (
            f" (median {result['redraw_ms_median']:.0f} ms, p95 {result['redraw_ms_p95']:.0f} ms, "
            f"CPU {result['redraw_cpu_ms']:.0f} ms, {result['json_kb']:.0f} kB)"
        )
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between redraws (the page's)")
    parser.add_argument("--browser", action="store_true", help="also the real page in headless Chromium")
    args = parser.parse_args()
    info = dlcore.device_info()
    print(f"device: {info['device']} ({info['name']}), torch {torch.__version__}, {os.cpu_count()} cores")
    print(f"redraws every {args.poll:g} s; the machine's load average: {os.getloadavg()[0]:.1f}")
    for name, data in (("ring of 8 Gaussians", "ring"), ("digits 8x8", "digits")):
        ds = dlcore.data.load(data)
        print(f"\nGAN on {name} (preset networks, batch {BATCH}, k = 1)")
        report("engine alone", engine_run(ds, args.seconds, None))
        report("engine + redraws", engine_run(ds, args.seconds, args.poll))
    if args.browser:
        print("\nthe real page in headless Chromium (ring), counted where the student looks")
        report("page", browser_run(args.seconds))


if __name__ == "__main__":
    main()
