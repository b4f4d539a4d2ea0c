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

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from bench_pages import arguments, page_in_chromium, print_machine, report, train_and_redraw, watch_changes  # noqa: E402

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
    return train_and_redraw([job], seconds, poll_s, lambda: redraw(job, ds), warm_up_s=0.5)


def browser_run(seconds: float) -> dict:
    """The real page: GAN on the ring, Play in headless Chromium; count how often the step line changes
    (the views redraw with it) and how far the step count moves."""
    with page_in_chromium("/generative?family=gan&data=ring") as page:
        page.wait_for_selector(".gan-step", timeout=120_000)  # the page has drawn its views
        page.get_by_role("button", name="Play").click(timeout=60_000)
        page.wait_for_function(
            "() => { const s = document.querySelector('.gan-step');"
            " return s && parseInt(s.dataset.step) > 0; }",
            timeout=60_000,
        )
        step = "parseInt(document.querySelector('.gan-step').dataset.step)"
        return watch_changes(page, seconds, changed=step, step=step)


def main() -> None:
    parser = arguments(__doc__, poll_s=0.2)
    args = parser.parse_args()
    print_machine(args.poll)
    for name, data in (("ring of 8 Gaussians", "ring"), ("digits 8x8", "digits")):
        ds = dlcore.data.load(data)
        print(f"\nGAN on {name} (preset networks, batch {BATCH}, k = 1)")
        report("engine alone", engine_run(ds, args.seconds, None), "generator steps/s")
        report("engine + redraws", engine_run(ds, args.seconds, args.poll), "generator steps/s")
    if args.browser:
        print("\nthe real page in headless Chromium (ring), counted where the student looks")
        report("page", browser_run(args.seconds), "generator steps/s")


if __name__ == "__main__":
    main()
