"""The playground's data column: the problem type, the dataset pictures, your own points (clicked or
uploaded), the train/test ratio, noise and seed, and what the plane shows. Each widget is bound to the
state (ui.playground.STATE) and left out when a teacher's classroom link hides it."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import dlcore
from dlcore import playground as pg
from dlcore import plots
from ui.playground import STATE
from ui.playground.views import CLASS_COLOURS, POINT_CLASS_KEY
from ui.state import PLAYGROUND_CSV, bind
from ui.uploads import points_upload

# the picker's buttons are narrow: short names where the full one would be cut off
DATASET_BUTTONS = {"xor": "XOR", "multi_spiral": "Arms", "blobs": "Blobs", "points": "Yours",
                   "multi_gaussian": "Bumps"}  # fmt: skip


def data_column(state: pg.Playground) -> None:
    st.markdown("#### Data")
    if not state.hides("problem"):
        bind("pg-problem", state.problem)
        st.selectbox(
            "Problem type",
            ["classification", "regression"],
            format_func=str.capitalize,
            **STATE.on_change("pg-problem", _set_problem),
        )
    if not state.hides("dataset"):
        choices = pg.REGRESSION if state.problem == "regression" else pg.CLASSIFICATION
        dataset_picker(state, choices)
        if state.dataset in pg.MULTICLASS_OPTION:
            bind("pg-classes", state.classes)
            st.slider(
                "Classes",
                3,
                pg.MAX_CLASSES,
                **STATE.on_change("pg-classes", lambda s, k: replace(s, classes=k)),
            )
    if state.dataset == "points" and not state.hides("points"):
        own_points(state)
    if not state.hides("ratio"):
        bind("pg-ratio", state.train_ratio)
        st.slider(
            "Ratio of training to test data",
            10,
            90,
            step=10,
            format="%d%%",
            **STATE.on_change("pg-ratio", lambda s, v: replace(s, train_ratio=v)),
        )
    if not state.hides("noise") and state.dataset != "points":
        bind("pg-noise", state.noise)
        st.slider("Noise", 0, 50, step=5, **STATE.on_change("pg-noise", lambda s, v: replace(s, noise=v)))
    if not state.hides("regenerate"):
        st.button(
            "Regenerate",
            icon=":material/casino:",
            key="pg-regenerate",
            on_click=STATE.update,
            args=(lambda s: replace(s, seed=(s.seed * 1_103_515_245 + 12_345) % 2**31),),
            help="New random points (a new seed); the seed is part of the link.",
            width="stretch",
        )
    st.caption(f"Seed {state.seed}")
    st.markdown("#### View")
    if not state.hides("showtest"):
        bind("pg-showtest", state.show_test)
        st.checkbox("Show test data", **STATE.on_change("pg-showtest", lambda s, v: replace(s, show_test=v)))
    if not state.hides("discretize"):
        bind("pg-discretize", state.discretize)
        st.checkbox(
            "Discretize output", **STATE.on_change("pg-discretize", lambda s, v: replace(s, discretize=v))
        )


def dataset_picker(state: pg.Playground, choices: tuple[str, ...]) -> None:
    """TF Playground's picker: a small picture of each dataset, two to a row, the chosen one highlighted."""
    st.markdown("Dataset", help="The points to learn. Each colour is a class; regression colours the value.")
    for start in range(0, len(choices), 2):
        for col, name in zip(st.columns(2, gap="small"), choices[start : start + 2], strict=False):
            with col:
                st.image(_thumbnail(name, state.points if name == "points" else ()), width="stretch")
                st.button(
                    DATASET_BUTTONS.get(name, pg.DATASET_LABELS[name]),
                    key=f"pg-dataset-{name}",
                    type="primary" if name == state.dataset else "secondary",
                    on_click=STATE.update,
                    args=(lambda s, name=name: replace(s, dataset=name),),
                    width="stretch",
                )


@st.cache_data(max_entries=64, show_spinner=False)
def _thumbnail(name: str, points: tuple) -> bytes:
    if name == "points":
        return plots.dataset_thumbnail([p[:2] for p in points], [p[2] for p in points], "binary")
    ds = dlcore.data.load(name, num_points=300, seed=0, val_fraction=0.0)
    task = "regression" if name in pg.REGRESSION else "binary"
    return plots.dataset_thumbnail(ds.raw_2d.train.numpy(), ds.train[1].numpy(), task)


def _set_problem(state: pg.Playground, problem: str | None) -> pg.Playground:
    """A new problem type brings its first dataset, and losses go back to the one that fits it."""
    if problem is None or problem == state.problem:
        return state
    state = replace(state, dataset="plane" if problem == "regression" else "circle")
    for side, network in state.networks().items():
        state = state.with_network(side, replace(network, loss="auto"))
    return state


def own_points(state: pg.Playground) -> None:
    """Click the plane to add points of the chosen class, or upload a CSV (x1, x2, label)."""
    count = f"{len(state.points)} point{'' if len(state.points) == 1 else 's'}"
    st.caption(f"{count}. Pause, then click the output plane to add one of the chosen class.")
    st.segmented_control(
        "Class of new points",
        list(range(pg.MAX_CLASSES)),
        format_func=lambda c: f":{CLASS_COLOURS[c]}[:material/circle:] {c}",
        key=POINT_CLASS_KEY,
        default=0,
        required=True,
    )
    points_upload(
        STATE, state, "…or upload a CSV: x1, x2, label", "pg-csv", pg.points_from_csv, PLAYGROUND_CSV
    )
