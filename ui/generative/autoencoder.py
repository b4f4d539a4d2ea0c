"""The autoencoder and VAE families: their options (latent size, β, denoising, the interpolation's ends) and
their live views. Images: the latent space coloured by class, the grid of images decoded from a regular
grid of latent points (the manifold), inputs over their reconstructions, an interpolation, the losses.
2-D points: the latent space, the reconstructed points joined to their inputs, the latent grid decoded as
points over the data, the losses."""

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

BETAS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 10.0)
SHOWN_PAIRS = 8  # reconstructions shown beside their inputs
TOP, BOTTOM = 250, 230  # the two rows of views: the first and most of the second above the fold at 1280×720


def draw_options(state: gen.GenerativeState) -> None:
    options = gen.options_of(state)
    params = {p.name: p for p in gen.kind_of(state).params}
    if "beta" in params:
        bind("gen-beta", options["beta"])
        st.select_slider(
            "β (weight of the KL term)",
            sorted({*BETAS, options["beta"]}),
            help=params["beta"].help,
            **GENERATIVE.on_change("gen-beta", lambda s, v: s.with_option("beta", v)),
        )
    bind("gen-latent", gen.autoencoder.latent_size(state, options))
    st.slider(
        "Latent size",
        1,
        8,
        help=params["latent"].help,
        **GENERATIVE.on_change("gen-latent", lambda s, v: s.with_option("latent", v)),
    )
    bind("gen-denoise", options["denoise"])
    st.slider(
        "Denoising",
        0.0,
        params["denoise"].max,
        step=0.1,
        help=params["denoise"].help,
        **GENERATIVE.on_change("gen-denoise", lambda s, v: s.with_option("denoise", v)),
    )
    if state.kind == "images":
        st.caption("Interpolation between two test inputs:")
        ends = st.columns(2)
        for column, end, label in zip(ends, ("from", "to"), ("From", "To"), strict=True):
            bind(f"gen-{end}", options[end])
            column.number_input(
                label,
                0,
                help=params[end].help,
                **GENERATIVE.on_change(f"gen-{end}", lambda s, v, end=end: s.with_option(end, int(v))),
            )


def draw_views(job, state: gen.GenerativeState) -> None:
    run = runs.drawn(job)
    if run is None:
        return
    options = gen.options_of(state)
    try:
        nets = job.snapshots()
        picture = gen.autoencoder.picture(
            nets["encoder"],
            nets["decoder"],
            run.dataset,
            state.family == "vae",
            (options["from"], options["to"]),
        )
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    losses = plots.role_losses(job.metrics(), _loss_names(state), title="Losses")
    losses.update_layout(height=BOTTOM)
    hidden = f", {options['denoise']:.0%} hidden," if options["denoise"] else ""
    if state.kind == "images":
        _image_views(picture, run.dataset, losses, f"Test inputs{hidden} rebuilt below")
    else:
        _point_views(picture, run.dataset, losses, f"Test points{hidden} rebuilt")
    run_caption(job)


def _loss_names(state: gen.GenerativeState) -> list[str]:
    return ["reconstruction", "kl"] if state.family == "vae" else ["loss"]


def _image_views(picture, ds, losses, pairs_title: str) -> None:
    left, right = st.columns(2, gap="small")
    with left:
        steady_chart(
            plots.latent_scatter(
                picture.plane, picture.labels, ds.class_names, axes=picture.axes, height=TOP
            ),
            "gen-ae-latent",
        )
        pairs = list(picture.inputs[:SHOWN_PAIRS]) + list(picture.outputs[:SHOWN_PAIRS])
        steady_chart(
            plots.sample_images(pairs, pairs_title, SHOWN_PAIRS, height=130),
            "gen-ae-pairs",
        )
        a, b = picture.ends
        steady_chart(
            plots.sample_images(picture.path, f"From test input {a} to {b}", len(picture.path), height=110),
            "gen-ae-path",
        )
    with right:
        steady_chart(
            plots.sample_images(
                picture.grid, "Decoded from a grid of latent points", gen.autoencoder.GRID, height=TOP
            ),
            "gen-ae-manifold",
        )
        steady_chart(losses, "gen-ae-losses")


def _point_views(picture, ds, losses, pairs_title: str) -> None:
    left, right = st.columns(2, gap="small")
    with left:
        steady_chart(
            plots.latent_scatter(picture.plane, inputs=picture.inputs, axes=picture.axes, height=TOP),
            "gen-ae-latent",
        )
        steady_chart(
            plots.latent_grid_points(
                ds.denormalize(ds.train[0]), picture.grid, picture.grid_shape, height=BOTTOM
            ),
            "gen-ae-manifold",
        )
    with right:
        steady_chart(
            plots.reconstructed_points(picture.inputs, picture.outputs, height=TOP, title=pairs_title),
            "gen-ae-pairs",
        )
        steady_chart(losses, "gen-ae-losses")


AE_NOTICE = """
- The **latent space** is where the encoder puts each test input. With a latent of 1 number on 2-D points,
  the decoder can only draw a **curve**: watch it snake through the data to pass near every point.
- **Reconstructions** get better as the loss falls; points far from the curve are rebuilt onto it.
- The **grid of latent points** decoded shows what the decoder makes *between* the codes of real inputs:
  an autoencoder leaves **holes** there (codes of no input), which decode to nonsense.
- **Denoising** hides a share of each input while training: the network must guess the hidden values from
  the others, so it learns what inputs have in common.
"""
VAE_NOTICE = """
- The VAE's encoder gives each input a *cloud* of codes, and the **KL term** pulls every cloud towards a
  standard normal: the latent space fills in, so the **grid of latent points** decodes to sensible inputs
  everywhere and random codes make new examples.
- **β** weighs KL against reconstruction. At **β = 0** it is an autoencoder with noise: codes spread out,
  holes appear. At **β = 4** the KL term falls but reconstructions **blur** and classes overlap.
- Watch the **losses**: raising β trades reconstruction for KL. The lesson *KL against reconstruction*
  measures it.
"""

register_family(Family("autoencoder", "Autoencoder", AE_NOTICE, draw_options, draw_views))
register_family(Family("vae", "VAE", VAE_NOTICE, draw_options, draw_views))
