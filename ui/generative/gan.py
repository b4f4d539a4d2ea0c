"""The GAN family: its options (k discriminator steps per generator step, the generator's loss, the latent's
prior and size), a step of one player at a time by hand, and its live views. 2-D points: the
discriminator's verdict over the plane with the real and generated points and the generator's push on each
of them, the latent grid folded onto the data by the generator, both losses on one chart. Images: the same
16 samples from fixed latents, sharpening as it learns, and the losses."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import generative as gen
from dlcore import plots
from ui.errors import show_error
from ui.generative import runs
from ui.generative.families import Family, register_family
from ui.generative.state import GENERATIVE
from ui.generative.views import run_caption
from ui.state import bind
from ui.steady_chart import steady_chart

PLANE, LOSSES = 280, 150  # the plane views, then the losses under them: above the fold at 1280×720
LOSS_NAMES = ["generator_loss", "discriminator_loss"]
LOSS_LABELS = {"non_saturating": "non-saturating: −log D(G(z))", "minimax": "minimax: log(1 − D(G(z)))"}
SOLO_STEPS = {
    "discriminator": ("Step D", "One discriminator step alone: the heat map moves, the points stay."),
    "generator": ("Step G", "One generator step alone: the points move along their push lines."),
}


def draw_options(state: gen.GenerativeState) -> None:
    options = gen.options_of(state)
    params = {p.name: p for p in gen.kind_of(state).params}
    _solo_steps()
    k = params["d_steps"]
    bind("gen-gan-k", options["d_steps"])
    st.slider(
        "k: discriminator steps per generator step",
        k.min,
        k.max,
        help=k.help,
        **GENERATIVE.on_change("gen-gan-k", lambda s, v: s.with_option("d_steps", int(v))),
    )
    loss = params["generator_loss"]
    bind("gen-gan-loss", options["generator_loss"])
    st.radio(
        "Generator's loss",
        loss.choices,
        format_func=LOSS_LABELS.get,
        help=loss.help,
        **GENERATIVE.on_change("gen-gan-loss", lambda s, v: s.with_option("generator_loss", v)),
    )
    prior, latent = st.columns(2)
    bind("gen-gan-prior", options["prior"])
    prior.selectbox(
        "Latent prior",
        params["prior"].choices,
        help=params["prior"].help,
        **GENERATIVE.on_change("gen-gan-prior", lambda s, v: s.with_option("prior", v)),
    )
    size = params["latent"]
    bind("gen-gan-latent", gen.gan.family_latent(state, options))
    latent.number_input(
        "Latent size",
        size.min,
        size.max,
        help=size.help,
        **GENERATIVE.on_change("gen-gan-latent", lambda s, v: s.with_option("latent", int(v))),
    )


def _solo_steps() -> None:
    """A button per player: one batch on which only that one learns, then pause."""
    job = runs.current_job()
    can_step = job is not None and job.alive
    for column, (role, (label, help_text)) in zip(st.columns(2), SOLO_STEPS.items(), strict=True):
        column.button(
            label,
            key=f"gen-gan-step-{role}",
            help=help_text,
            disabled=not can_step,
            icon=":material/skip_next:",
            use_container_width=True,
            on_click=_step_alone,
            args=(role,),
        )


def _step_alone(role: str) -> None:
    job = runs.current_job()
    if job is None or not job.alive:
        return
    runs.pause()  # a step by hand leaves the run paused, as the run bar's Step does
    try:
        job.step(role=role)
    except dlcore.DlcoreError as err:
        GENERATIVE.notify(err.message)


def draw_views(job, state: gen.GenerativeState) -> None:
    if runs.drawn(job) is None:
        return
    metrics = job.metrics()
    losses = plots.role_losses(metrics, LOSS_NAMES, title="Losses")
    try:
        if state.kind == "images":
            _image_views(job, losses)
        else:
            _point_views(job, losses)
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    _status_line(job, metrics.tail(1))
    run_caption(job)


def _point_views(job, losses) -> None:
    picture = gen.gan.job_picture(job)
    left, right = st.columns(2, gap="small")
    with left:
        steady_chart(plots.gan_plane(picture), "gen-gan-plane")
    with right:
        steady_chart(plots.gan_manifold(picture), "gen-gan-manifold")
    losses.update_layout(height=LOSSES)
    steady_chart(losses, "gen-gan-losses")


def _image_views(job, losses) -> None:
    samples = gen.gan.job_fixed_samples(job)
    left, right = st.columns(2, gap="small")
    with left:
        figure = plots.sample_images(samples, "The same 16 latents, as the generator learns", columns=4)
        figure.update_layout(height=PLANE + LOSSES)
        steady_chart(figure, "gen-gan-samples")
    with right:
        losses.update_layout(height=PLANE + LOSSES)
        steady_chart(losses, "gen-gan-losses")


def _status_line(job, last) -> None:
    """What the discriminator says of real and generated examples on the latest batches (0.5: it cannot
    tell them apart), with the step as data for the benchmark and the browser tests."""
    step = job.progress()["step"]
    if len(last) and "train_d_real" in last:
        real, fake = float(last["train_d_real"].iloc[0]), float(last["train_d_fake"].iloc[0])
        says = f"D(real) = {real:.2f} · D(fake) = {fake:.2f} (0.5: it cannot tell them apart)"
    else:
        says = "not trained yet: press Play, Step, or Step D / Step G"
    st.markdown(f"<span class='gan-step' data-step='{step}'>{says}</span>", unsafe_allow_html=True)


NOTICE = """
- **The heat map** is the discriminator's verdict D(x) everywhere on the plane: green where it says *real*,
  purple where it says *fake*. **Green points** are the data, **purple points** the generator's, made from
  the same latents all run long, so you watch the same points move.
- **The lines on the purple points** are the generator's gradient: where its loss, read through the
  discriminator, pushes each point next. They point from purple towards green. With the **minimax** loss they
  all but vanish while the discriminator wins: the generator stalls.
- **The folded grid** is a regular grid of latent points carried through the generator: it shows how the
  generator stretches the latent plane over the data (blue lines join latents along z1, orange along z2).
  Where the lines bunch up it makes many points.
- **k** gives the discriminator k steps per generator step. **Step D** and **Step G** move one player alone:
  a D step repaints the heat map, a G step moves the points along their lines.
- **Mode collapse**: a discriminator that learns much slower than the generator lets all the points pile onto
  one or two of the ring's eight clusters (the lesson *GAN mode collapse*).
- On **digits**, the grid shows the same 16 latents all run long: blobs first, then strokes, then digits.
"""

register_family(Family("gan", "GAN", NOTICE, draw_options, draw_views))
