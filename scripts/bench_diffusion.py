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

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere without installing
sys.path.insert(0, str(ROOT / "scripts"))

from bench_pages import arguments, page_in_chromium, print_machine, report, train_and_redraw, watch_changes  # noqa: E402

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
    walk = [None, 0.0]
    return train_and_redraw([job], seconds, poll_s, lambda: redraw(state, job, ds, walk, 40), warm_up_s=1.0)


def browser_run(seconds: float) -> dict:
    """The real page: press Play in headless Chromium at 1280×720 and count how often the particles' view
    changes, and how far the step counter under the views moves, as the student sees them."""
    query = "&".join(f"{key}={value}" for key, value in LINK.items())
    with page_in_chromium(f"/generative?{query}") as page:
        page.wait_for_selector(".steady-chart .gtitle", timeout=120_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function("() => /step [1-9]\\d* · running/.test(document.body.innerText)")
        return watch_changes(
            page,
            seconds,
            changed="document.querySelector('.steady-chart .gtitle')?.textContent || ''",
            step="+(document.body.innerText.match(/step (\\d+) · running/) || [])[1]",
        )


def main() -> None:
    parser = arguments(__doc__, poll_s=0.2)
    args = parser.parse_args()
    print_machine(args.poll)
    print("diffusion on the ring of 8 with the page's defaults")
    report("engine alone", engine_run(args.seconds, None))
    report("engine + redraws", engine_run(args.seconds, args.poll))
    if args.browser:
        report("the real page", browser_run(args.seconds))


if __name__ == "__main__":
    main()
