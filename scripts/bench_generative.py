"""Benchmark of the Generative page: how often its views redraw while the model trains.

    python scripts/bench_generative.py              # in process: engine alone, engine + view redraws
    python scripts/bench_generative.py --browser    # also the real page in headless Chromium

Prints steps/s and redraws/s with the device, for each setup in SETUPS (the autoencoder and the VAE; the GAN
and diffusion families add theirs). A "redraw" in process is what the family's live views compute per poll:
snapshots of the networks, every view's numbers and their figures serialised to JSON as Streamlit sends
them. In the browser it is a new picture of the latent-space chart (Plotly's `plotly_afterplot`), counted
where the student looks, and steps/s is read from the page's own caption.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import dlcore  # noqa: E402
from dlcore import generative as gen  # noqa: E402
from dlcore import plots  # noqa: E402
from dlcore.generative import autoencoder as ae  # noqa: E402

# name -> the page's link; the bars: 2-D views ≥ 4 redraws/s, a digits image grid ≥ 1 redraw/s
SETUPS = {
    "autoencoder on the ring (2-D views)": "data=ring&family=autoencoder",
    "VAE on digits 8×8 (image grids)": "data=digits&family=vae",
}


def state_from(link: str) -> gen.GenerativeState:
    state, problems = gen.from_query(dict(part.split("=", 1) for part in link.split("&")))
    assert not problems, problems
    return state


def autoencoder_redraw(state: gen.GenerativeState, job, ds) -> int:
    """What ui/generative/autoencoder.draw_views computes per poll; returns the JSON size sent."""
    nets = job.snapshots()
    picture = ae.picture(nets["encoder"], nets["decoder"], ds, state.family == "vae")
    names = ["reconstruction", "kl"] if state.family == "vae" else ["loss"]
    figures = [plots.role_losses(job.metrics(), names)]
    if state.kind == "images":
        figures += [
            plots.latent_scatter(picture.plane, picture.labels, ds.class_names, axes=picture.axes),
            plots.sample_images(list(picture.inputs[:8]) + list(picture.outputs[:8]), "pairs", 8),
            plots.sample_images(picture.path, "path", len(picture.path)),
            plots.sample_images(picture.grid, "grid", ae.GRID),
        ]
    else:
        figures += [
            plots.latent_scatter(picture.plane, inputs=picture.inputs, axes=picture.axes),
            plots.latent_grid_points(ds.denormalize(ds.train[0]), picture.grid, picture.grid_shape),
            plots.reconstructed_points(picture.inputs, picture.outputs),
        ]
    return sum(len(figure.to_json()) for figure in figures)


REDRAWS = {"autoencoder": autoencoder_redraw, "vae": autoencoder_redraw}  # family -> its views' work


def engine_run(state: gen.GenerativeState, seconds: float, poll_s: float | None) -> dict:
    """Train `state` for `seconds`; with `poll_s`, redraw its views that often in this process."""
    ds = gen.load_data(state)
    job = dlcore.start_training(gen.models(state, ds), ds, gen.train_config(state))
    redraw_s, redraw_cpu_s, sizes = [], [], []
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            tick = time.perf_counter()
            if poll_s is None:
                time.sleep(0.05)
                continue
            cpu = time.thread_time()
            sizes.append(REDRAWS[state.family](state, job, ds))
            redraw_s.append(time.perf_counter() - tick)
            redraw_cpu_s.append(time.thread_time() - cpu)
            time.sleep(max(0.0, poll_s - (time.perf_counter() - tick)))
        elapsed = time.perf_counter() - start
        steps = job.progress()["step"]
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


COUNT_REDRAWS = """() => {
    window.redraws = [];
    const chart = document.querySelector('.st-key-gen-views .js-plotly-plot');
    chart.on('plotly_afterplot', () => window.redraws.push(performance.now()));
}"""
STEP = r"() => (document.body.innerText.match(/step (\d+)/) || [0, 0])[1]"


def browser_run(link: str, seconds: float) -> dict:
    """The real page at 1280×720: press Play, count the latent chart's new pictures and the steps."""
    from load_test import CHROMIUM_ARGS, start_server  # the app engineer's server and browser setup
    from playwright.sync_api import sync_playwright

    server, url = start_server(None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"{url}/generative?{link}")
            page.wait_for_selector(".st-key-gen-views .js-plotly-plot .main-svg", timeout=120_000)
            page.get_by_role("button", name="Play").click()
            page.wait_for_function(f"() => Number(({STEP})()) > 0", timeout=120_000)
            time.sleep(1.0)  # past the first full rerun after Play
            page.evaluate(COUNT_REDRAWS)
            first_step, start = int(page.evaluate(STEP)), time.perf_counter()
            time.sleep(seconds)
            last_step, elapsed = int(page.evaluate(STEP)), time.perf_counter() - start
            redraws = page.evaluate("() => window.redraws")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    span_s = (redraws[-1] - redraws[0]) / 1000 if len(redraws) > 1 else float("inf")
    return {"redraws_per_s": (len(redraws) - 1) / span_s, "steps_per_s": (last_step - first_step) / elapsed}


def report(label: str, result: dict) -> None:
    line = f"  {label:24s}{result['steps_per_s']:8.0f} steps/s"
    if "redraws_per_s" in result:
        line += f", {result['redraws_per_s']:.1f} redraws/s"
    if "redraw_ms_median" in result:
        line += (
            f" (redraw median {result['redraw_ms_median']:.0f} ms wall, {result['redraw_cpu_ms']:.0f} ms CPU,"
            f" {result['json_kb']:.0f} kB sent)"
        )
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument(
        "--poll", type=float, default=0.2, help="seconds between redraws (the page's run_every)"
    )
    parser.add_argument(
        "--browser", action="store_true", help="also measure the real page in headless Chromium"
    )
    parser.add_argument("--only", help="measure only the setups whose name contains this")
    args = parser.parse_args()
    info = dlcore.device_info()
    threads = torch.get_num_threads()
    print(f"device: {info['device']} ({info['name']}), torch {torch.__version__}, {threads} threads")
    print(f"redraws every {args.poll:g} s; the machine's load average: {os.getloadavg()[0]:.1f}")
    for name, link in SETUPS.items():
        if args.only and not re.search(args.only, name):
            continue
        state = state_from(link)
        print(f"\n{name}")
        report("engine alone", engine_run(state, args.seconds, None))
        report("engine + redraws", engine_run(state, args.seconds, args.poll))
        if args.browser:
            report("real page (Chromium)", browser_run(link, args.seconds))


if __name__ == "__main__":
    main()
