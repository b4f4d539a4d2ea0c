"""The Generative page's controls, each bound to its state (ui.generative.state.GENERATIVE): the data and
the family (in the run bar's row), the data's noise or the student's own points, each role's network
(width, depth, learning rate, optimizer), the batch size and the seed."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import dlcore
from dlcore import generative as gen
from dlcore import playground as pg
from dlcore import plots
from ui.generative import runs
from ui.generative.families import FAMILIES
from ui.generative.state import GENERATIVE
from ui.state import GENERATIVE_CSV, bind
from ui.steady_chart import steady_chart
from ui.uploads import points_upload

LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


def data_and_family(state: gen.GenerativeState) -> None:
    """The two pickers that say what is trained on what (drawn in the run bar's row)."""
    offered = gen.offered_data()
    bind("gen-data", state.data)
    st.selectbox(
        "Data",
        offered if state.data in offered else (*offered, state.data),
        format_func=gen.DATA_LABELS.get,
        help="2-D points (the shape a model must learn to make) or small images.",
        width=190,
        **GENERATIVE.on_change("gen-data", lambda s, v: replace(s, data=v, data_options={})),
    )
    bind("gen-family", state.family)
    st.selectbox(
        "Model",
        list(FAMILIES),
        format_func=lambda key: FAMILIES[key].label,
        help="The family of generative model. One that does not fit the data says so and keeps the old one.",
        width=190,
        **GENERATIVE.on_change("gen-family", lambda s, v: replace(s, family=v, family_options={})),
    )


def data_settings(state: gen.GenerativeState) -> None:
    """The data's noise, or the student's own points; the seed."""
    if state.data == gen.OWN_POINTS:
        own_points(state)
    elif state.kind == "points":
        noise = next(p for p in dlcore.data.options(state.data) if p.name == "noise")
        bind("gen-noise", float(state.data_options.get("noise", noise.default)))
        st.slider(
            "Noise",
            noise.min,
            noise.max,
            step=0.01,
            help=noise.help,
            **GENERATIVE.on_change("gen-noise", lambda s, v: s.with_data_option("noise", v)),
        )
    bind("gen-seed", state.seed)
    st.number_input(
        "Seed",
        gen.SEED.min,
        gen.SEED.max,
        help=gen.SEED.help,
        **GENERATIVE.on_change("gen-seed", lambda s, v: replace(s, seed=int(v))),
    )


def own_points(state: gen.GenerativeState) -> None:
    """Upload a CSV of x, y or clear the points; the plane to click sits here once there are enough points
    to train (before that, large in the views' place: `points_plane`)."""
    st.caption(f"{len(state.points)} points. Click the plane to add one (at least 10 to train).")
    if runs.current() is not None and runs.current().error is None:
        points_plane(state, height=260)
    points_upload(GENERATIVE, state, "…or upload a CSV: x, y", "gen-csv", gen.points_from_csv, GENERATIVE_CSV)


def points_plane(state: gen.GenerativeState, height: int) -> None:
    """The plane with the student's points; a click adds one there."""
    figure = plots.boundary_figure(
        pg.empty_boundary(), "binary", _as_data(state.points), clickable=True, height=height
    )
    for point in steady_chart(figure, "gen-points-plane"):
        x, y = point.get("x"), point.get("y")
        if point.get("curve_number") == 0 and x is not None and y is not None:
            if GENERATIVE.replace(replace(state, points=(*state.points, (round(x, 1), round(y, 1))))):
                st.rerun()


def _as_data(points):
    if not points:
        return None
    return [list(p) for p in points], [0] * len(points)


def networks(state: gen.GenerativeState) -> None:
    """Each role's width and depth; its learning rate and optimizer (once when the roles share one)."""
    kind = gen.kind_of(state)
    for role in kind.roles:
        net = gen.role_net(state, role)
        st.markdown(f"**{role.capitalize()}**")
        width, depth = st.columns(2)
        with width:
            _role_number(state, role, "width", "Width")
        with depth:
            _role_number(state, role, "depth", "Depth")
        if not kind.shared_optimizer or role == kind.roles[0]:
            together = kind.roles if kind.shared_optimizer else (role,)
            if kind.shared_optimizer:
                st.caption(f"The {' and '.join(kind.roles)} learn together, with one optimizer:")
            _role_training(state, role, net, together)
    bind("gen-batch", state.batch)
    st.select_slider(
        "Batch size",
        sorted({16, 32, 64, 128, 256, 512, state.batch}),
        help=gen.BATCH.help,
        **GENERATIVE.on_change("gen-batch", lambda s, v: replace(s, batch=v)),
    )


def _role_number(state: gen.GenerativeState, role: str, key: str, label: str) -> None:
    param = gen.SETTINGS[key]
    bind(f"gen-{role}-{key}", getattr(gen.role_net(state, role), key))
    st.number_input(
        label,
        param.min,
        param.max,
        help=param.help,
        **GENERATIVE.on_change(
            f"gen-{role}-{key}",
            lambda s, v: s.with_role(role, replace(gen.role_net(s, role), **{key: int(v)})),
        ),
    )


def _role_training(state, role: str, net: gen.RoleNet, together: tuple[str, ...]) -> None:
    def set_all(s, **values):
        for each in together:
            s = s.with_role(each, replace(gen.role_net(s, each), **values))
        return s

    lr, opt = st.columns(2)
    bind(f"gen-{role}-lr", net.lr)
    lr.selectbox(
        "Learning rate",
        sorted({*LEARNING_RATES, net.lr}),
        format_func="{:g}".format,
        help=gen.SETTINGS["lr"].help,
        **GENERATIVE.on_change(f"gen-{role}-lr", lambda s, v: set_all(s, lr=v)),
    )
    bind(f"gen-{role}-opt", net.optimizer)
    opt.selectbox(
        "Optimizer",
        gen.SETTINGS["opt"].choices,
        format_func=lambda name: dlcore.OPTIMIZERS.get(name).label,
        help=gen.SETTINGS["opt"].help,
        **GENERATIVE.on_change(f"gen-{role}-opt", lambda s, v: set_all(s, optimizer=v)),
    )
