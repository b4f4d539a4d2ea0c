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

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from bench_pages import arguments, page_in_chromium, print_machine, report, train_and_redraw  # noqa: E402

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
    job = dlcore.start_training(gen.models(state, ds), ds, gen.train_config(state), paused=True)
    return train_and_redraw([job], seconds, poll_s, lambda: REDRAWS[state.family](state, job, ds))


COUNT_REDRAWS = """() => {
    window.redraws = [];
    const chart = document.querySelector('.st-key-gen-views .js-plotly-plot');
    chart.on('plotly_afterplot', () => window.redraws.push(performance.now()));
}"""
STEP = r"() => (document.body.innerText.match(/step (\d+)/) || [0, 0])[1]"


def browser_run(link: str, seconds: float) -> dict:
    """The real page at 1280×720: press Play, count the latent chart's new pictures and the steps."""
    with page_in_chromium(f"/generative?{link}") as page:
        page.wait_for_selector(".st-key-gen-views .js-plotly-plot .main-svg", timeout=120_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"() => Number(({STEP})()) > 0", timeout=120_000)
        time.sleep(1.0)  # past the first full rerun after Play
        page.evaluate(COUNT_REDRAWS)
        first_step, start = int(page.evaluate(STEP)), time.perf_counter()
        time.sleep(seconds)
        last_step, elapsed = int(page.evaluate(STEP)), time.perf_counter() - start
        redraws = page.evaluate("() => window.redraws")
    span_s = (redraws[-1] - redraws[0]) / 1000 if len(redraws) > 1 else float("inf")
    return {"redraws_per_s": (len(redraws) - 1) / span_s, "steps_per_s": (last_step - first_step) / elapsed}


def main() -> None:
    parser = arguments(__doc__, poll_s=0.2)
    parser.add_argument("--only", help="measure only the setups whose name contains this")
    args = parser.parse_args()
    print_machine(args.poll)
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
