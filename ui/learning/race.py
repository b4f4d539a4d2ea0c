"""The optimizer race: a surface, a start, the racers and their learning rates, and the animated race
(dlcore.learning.race: the engine's optimizers on the surface, drawn by plots.race_figure)."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from dlcore import plots
from ui.learning.state import LEARNING, current
from ui.state import bind

KEY = "learning.race"


@st.cache_data(max_entries=16, show_spinner=False)
def race_figure(surface_name: str, start: tuple[float, float], racers: tuple[tuple[str, float], ...]):
    """The race's figure (cached: the same setup draws the same race; each tab gets its own copy)."""
    surface = dlcore.learning.SURFACES.get(surface_name)
    tracks = dlcore.learning.race(surface, start, dict(racers))
    labels = {name: f"{dlcore.OPTIMIZERS.get(name).label} {lr:g}" for name, lr in racers}
    return plots.race_figure(surface, tracks, labels)


def _with_racers(state, names: list[str]):
    """The racers `names`, each keeping its learning rate, a new one at the surface's own."""
    lrs = {**dlcore.learning.SURFACES.get(state.surface).lrs, **dict(state.racers)}
    return dataclasses.replace(state, racers=tuple((name, lrs[name]) for name in names))


def _with_lr(name: str):
    def change(state, lr: float):
        racers = tuple((n, lr if n == name else old) for n, old in state.racers)
        return dataclasses.replace(state, racers=racers)

    return change


def _with_start(axis: int):
    def change(state, value: float):
        point = list(state.start_point)
        point[axis] = value
        return dataclasses.replace(state, start=tuple(point))

    return change


def draw_racers(state) -> None:
    """Which optimizers race, each with its own learning rate."""
    names = dlcore.OPTIMIZERS.names()
    bind(f"{KEY}.racers", [name for name, _ in state.racers])
    st.multiselect(
        "Optimizers",
        names,
        format_func=lambda n: dlcore.OPTIMIZERS.get(n).label,
        **LEARNING.on_change(f"{KEY}.racers", _with_racers),
    )
    for name, lr in state.racers:
        key = f"{KEY}.lr.{name}"
        bind(key, lr)
        entry = dlcore.OPTIMIZERS.get(name)
        label = f"{entry.label}: learning rate"
        st.number_input(
            label, format="%g", step=lr / 2, help=entry.help, **LEARNING.on_change(key, _with_lr(name))
        )


def draw_race() -> None:
    """The race's tab."""
    state = current()
    surface = dlcore.learning.SURFACES.get(state.surface)
    pick, x, y, racers = st.columns([1.4, 0.7, 0.7, 1.2], vertical_alignment="bottom")
    with pick:
        bind(f"{KEY}.surface", state.surface)
        st.selectbox(
            "Surface",
            dlcore.learning.SURFACES.names(),
            format_func=lambda n: dlcore.learning.SURFACES.get(n).title,
            **LEARNING.on_change(f"{KEY}.surface", lambda s, name: s.with_surface(name)),
        )
    for column, axis, label in ((x, 0, "Start x"), (y, 1, "Start y")):
        with column:
            bind(f"{KEY}.start{axis}", float(state.start_point[axis]))
            st.number_input(
                label, format="%g", step=0.1, **LEARNING.on_change(f"{KEY}.start{axis}", _with_start(axis))
            )
    with racers.popover(
        f"Racers and learning rates ({len(state.racers)})", icon=":material/tune:", width="stretch"
    ):
        draw_racers(state)
    st.caption(f"{surface.help} Press ▶ Play to race (each racer is torch.optim, with its learning rate).")
    if not state.racers:
        st.info("Choose at least one optimizer to race.", icon=":material/info:")
        return
    figure = race_figure(state.surface, state.start_point, state.racers)
    st.plotly_chart(figure, key=f"{KEY}.figure", config={"displayModeBar": False})
