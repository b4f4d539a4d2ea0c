"""The diffusion family: its options (noise schedule, timesteps, the t the views look at, the sampler and
DDIM's steps) and its live views.

2-D points: particles travelling from noise to the data (one sampling step per redraw, again and again
while it trains), the denoiser's direction over the plane at t, the data noised to t, the samples' distance
to held-out data over training, the noise schedules and the loss. Images: samples growing out of noise,
the data noised to t, one sample's way from noise to an image as a strip, the schedules and the loss.
The sampler, its steps and t only change the views: the same denoiser keeps training.
"""

from __future__ import annotations

import time

import streamlit as st

import dlcore
from dlcore import generative as gen
from dlcore import plots
from ui.errors import show_error
from ui.generative import runs
from ui.generative.families import Family, register_family
from ui.generative.state import GENERATIVE
from ui.generative.views import run_caption
from ui.live import POLL_S
from ui.state import GENERATIVE_DIFFUSION_WALK as WALK_KEY
from ui.state import bind
from ui.steady_chart import steady_chart

SAMPLERS = {"ancestral": "DDPM", "ddim": "DDIM"}
TIMESTEPS = (10, 20, 50, 100, 200, 500, 1000)
TOP, BOTTOM = 300, 250  # the two rows of views above the fold at 1280×720
PARTICLES = {"points": 200, "images": 16}
FRAMES = 21  # pictures of the way from noise to data that the particles step through
HOLD = 6  # redraws the samples rest at the end before the particles start again from noise
WALK_EVERY_S = 2.0  # while training, the way from noise to data is walked again this often
STRIP = 11  # pictures in one image's way from noise
STRIP_HEIGHT, IMAGES_HEIGHT = 150, 170  # images: the strip over two grids of 2 × 8, above the fold


def draw_options(state: gen.GenerativeState) -> None:
    options = gen.options_of(state)
    params = {p.name: p for p in gen.kind_of(state).params}
    schedule = params["noise_schedule"]
    _choice("gen-dif-schedule", "Noise schedule", schedule.choices, options["noise_schedule"], schedule)
    bind("gen-dif-timesteps", options["timesteps"])
    st.select_slider(
        "Timesteps T",
        sorted({*TIMESTEPS, options["timesteps"]}),
        help=params["timesteps"].help,
        **GENERATIVE.on_change("gen-dif-timesteps", lambda s, v: s.with_option("timesteps", v)),
    )
    bind("gen-dif-t", min(options["t"], options["timesteps"]))
    st.slider(
        "t: noise the views look at",
        0,
        options["timesteps"],
        help=params["t"].help,
        **GENERATIVE.on_change("gen-dif-t", lambda s, v: s.with_option("t", v)),
    )
    _choice(
        "gen-dif-sampler", "Sampler", tuple(SAMPLERS), options["sampler"], params["sampler"], SAMPLERS.get
    )
    if options["sampler"] == "ddim":
        bind("gen-dif-steps", min(options["sampling_steps"], options["timesteps"]))
        st.slider(
            "DDIM steps",
            1,
            options["timesteps"],
            help=params["sampling_steps"].help,
            **GENERATIVE.on_change("gen-dif-steps", lambda s, v: s.with_option("sampling_steps", v)),
        )


def _choice(key: str, label: str, choices, value, param, label_of=str) -> None:
    """A choice of a few words, side by side (a radio: one click, every option in sight)."""
    bind(key, value)
    st.radio(
        label,
        choices,
        format_func=label_of,
        horizontal=True,
        help=param.help,
        **GENERATIVE.on_change(key, lambda s, v: s.with_option(param.name, v)),
    )


def draw_views(job, state: gen.GenerativeState) -> None:
    run = runs.drawn(job)
    if run is None:
        return
    options = gen.options_of(state)
    t = min(options["t"], options["timesteps"])
    ds = run.dataset
    try:
        process = gen.diffusion.denoising_process(
            job.snapshot(), job.setup.options, ds.train[0], options["sampler"], options["sampling_steps"]
        )
        walk = _walk(job, process, state.kind, ds)
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    frame = _frame(job, len(walk.path))
    if state.kind == "images":
        _image_views(job, process, walk, frame, ds, t)
    else:
        _point_views(job, process, walk, frame, ds, t)
    run_caption(job)


def _walk(job, process, kind: str, ds) -> gen.diffusion.Walk:
    """The way from noise to data, walked again when the sampler changed, the model moved on (at most every
    WALK_EVERY_S while it trains): a walk costs a hundred passes of the denoiser, a redraw only one."""
    wanted = (job.id, process.options["sampler"], process.options["sampling_steps"])
    step = job.progress().get("step", 0)
    kept = st.session_state.get(WALK_KEY)
    if kept is not None and kept["wanted"] == wanted:
        fresh = kept["step"] == step or time.monotonic() - kept["at"] < WALK_EVERY_S
        if fresh:
            return kept["walk"]
    held_out = ds.test[0] if kind == "points" else None
    walk = gen.diffusion.walk_back(process, PARTICLES[kind], FRAMES, held_out)
    st.session_state[WALK_KEY] = {"wanted": wanted, "step": step, "at": time.monotonic(), "walk": walk}
    return walk


def _frame(job, frames: int) -> int:
    """Which picture of the way to show: one more at each redraw while the run trains (the clock says which,
    so every redraw moves on), resting on the samples for HOLD redraws; the samples when it does not."""
    if job.status != "running":
        return frames - 1
    return min(int(time.monotonic() / POLL_S) % (frames + HOLD), frames - 1)


def _point_views(job, process, walk, frame: int, ds, t: int) -> None:
    options = process.options
    data = ds.test[0]
    noisy = gen.diffusion.noised(data, options["noise_schedule"], options["timesteps"], t)
    grid, arrows = gen.diffusion.denoising_field(process, t)
    left, right = st.columns(2, gap="small")
    with left:
        steady_chart(
            plots.reverse_points(walk.path, frame, data, walk.distance, height=TOP), "gen-dif-chart-walk"
        )
        steady_chart(
            plots.forward_points(data, noisy, t, options["timesteps"], height=BOTTOM), "gen-dif-chart-fwd"
        )
    with right:
        steady_chart(plots.denoising_arrows(grid, arrows, noisy, t, height=TOP), "gen-dif-chart-arrows")
        steady_chart(plots.quality_curve(job.epoch_metrics(), height=BOTTOM), "gen-dif-chart-quality")
    _schedule_and_loss(job, options, t)


def _image_views(job, process, walk, frame: int, ds, t: int) -> None:
    options = process.options
    ts, chain = gen.diffusion.one_way(walk, STRIP)
    title = "One sample's way from noise to an image"
    steady_chart(
        plots.image_strip(gen.diffusion.as_images(ds, chain), ts, title, STRIP_HEIGHT), "gen-dif-chart-chain"
    )
    noisy = gen.diffusion.noised(ds.test[0][:16], options["noise_schedule"], options["timesteps"], t)
    step_t, now = walk.path[frame]
    left, right = st.columns(2, gap="small")
    with left:
        title = f"Samples from noise: step {frame} of {len(walk.path) - 1} (t = {step_t})"
        grid = plots.sample_images(gen.diffusion.as_images(ds, now), title, 8, height=IMAGES_HEIGHT)
        steady_chart(grid, "gen-dif-chart-grid")
    with right:
        title = f"Test images at t = {t} of {options['timesteps']}"
        noised = plots.sample_images(gen.diffusion.as_images(ds, noisy), title, 8, height=IMAGES_HEIGHT)
        steady_chart(noised, "gen-dif-chart-fwd")
    _schedule_and_loss(job, options, t)


def _schedule_and_loss(job, options: dict, t: int) -> None:
    left, right = st.columns(2, gap="small")
    with left:
        curves = gen.diffusion.schedule_curves(options["timesteps"])
        steady_chart(
            plots.noise_schedule(curves, options["noise_schedule"], t, BOTTOM), "gen-dif-chart-schedule"
        )
    with right:
        steady_chart(plots.role_losses(job.metrics(), ["loss"], title="Denoising loss"), "gen-dif-chart-loss")


NOTICE = """
- **Forward process**: drag **t**. At t = 0 it is the data; at t = T it is pure noise, a round cloud. The
  **noise schedule** chart says how much of the data's signal is left (ᾱ) at each t: the **linear** schedule
  drowns the data by the middle, the **cosine** one keeps its shape far longer, so fewer steps are spent on
  nearly pure noise.
- **Denoising direction**: each arrow points where the denoiser thinks a noisy point came from. At small t
  the arrows snap onto the data; at large t they all point to its middle, since little is left to tell.
- **Sampling**: the particles start as noise and follow the denoiser, step by step, onto the data. Their
  **distance to the data** (energy distance, 0 = the same cloud) falls as it trains: see the quality curve.
- **DDIM** walks the same trained denoiser back in fewer, larger, noise-free steps: try 20 and then 5 steps
  and watch the distance. Nothing is retrained; only the way back changes.
"""

register_family(Family("diffusion", "Diffusion", NOTICE, draw_options, draw_views))
