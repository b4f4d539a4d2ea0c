"""The Learning page's loss landscape: the landscape around this tab's model on the Train page.

The engine measures (dlcore.landscape.job_landscape); this module lays out its settings, measures on a
click with a progress bar (every tab of a page runs on every rerun, so nothing is measured unasked), and
draws the line and the slice it kept for this tab.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import dlcore
from dlcore import plots
from ui.errors import show_error
from ui.session import current_job, watched_job
from ui.state import LANDSCAPE as MEASURED_KEY
from ui.text import plain

LS = dlcore.landscape
PLANES = {"random": "Random directions", "path": "Training path"}
ON_PLANE = {"random": "two random directions", "path": "the plane of the training path"}


@dataclass(frozen=True)
class Measured:
    """A landscape measured for this tab: of which job, at which step, with which settings."""

    job_id: int
    step: int
    settings: tuple
    line: object
    slice_: object


def draw_landscape() -> None:
    """The loss along the line from the first weights to now, and a slice around the weights now (contours,
    surface), for this tab's model on the Train page (live or finished)."""
    job = watched_job() or current_job()
    if job is None:
        st.info(
            "There is no model yet. Train one on the **Train** page (the Digits MLP preset takes seconds), "
            "then come back to see the landscape it is training in.",
            icon=":material/landscape:",
        )
        return
    st.caption(
        "How the training loss changes as the weights move. Each point is the loss of the model with "
        "changed weights on a fixed sample of the training set."
    )
    settings, measure = _settings()
    if measure:
        _measure(job, settings)
    measured: Measured | None = st.session_state.get(MEASURED_KEY)
    if measured is None or measured.job_id != job.id:
        st.info(f"Press **Measure the landscape**: {_cost(settings)}.", icon=":material/touch_app:")
        return
    _draw(job, measured)


def _settings() -> tuple[tuple, bool]:
    """(points, span, plane, seed) from the controls, each bounded and explained by its engine Param, and
    whether Measure was pressed."""
    points_col, span_col, plane_col, seed_col, button_col = st.columns(
        [2, 2, 3, 1, 2], vertical_alignment="bottom"
    )
    points = points_col.slider(
        "Points per side",
        int(LS.POINTS.min),
        int(LS.POINTS.max),
        LS.POINTS.default,
        step=2,  # odd counts only: the weights now sit at the centre
        help=LS.POINTS.help,
        key="landscape_points",
    )
    span = span_col.slider(
        "Reach", LS.SPAN.min, LS.SPAN.max, LS.SPAN.default, step=0.1, help=LS.SPAN.help, key="landscape_span"
    )
    plane = plane_col.segmented_control(
        "Plane",
        list(PLANES),
        default=LS.PLANE.default,
        format_func=PLANES.get,
        help=LS.PLANE.help,
        key="landscape_plane",
    )
    seed = seed_col.number_input(
        "Seed", 0, 9999, 0, help="Which random directions (random plane)", key="landscape_seed"
    )
    measure = button_col.button(
        "Measure the landscape", icon=":material/landscape:", type="primary", key="landscape_measure"
    )
    return (points, span, plane or LS.PLANE.default, int(seed)), measure


def _cost(settings: tuple) -> str:
    points = settings[0]
    return f"{points} × {points} = {points * points} points, a few seconds for a small model"


def _measure(job, settings: tuple) -> None:
    points, span, plane, seed = settings
    bar = st.progress(0.0, text=f"Measuring the loss at {points * points} points…")
    try:
        line, picked = LS.job_landscape(
            job, points, span, plane, seed, progress=lambda done: bar.progress(min(1.0, done))
        )
    except dlcore.DlcoreError as err:
        bar.empty()
        show_error(err)
        return
    bar.empty()
    step = int(job.progress().get("step") or 0)
    st.session_state[MEASURED_KEY] = Measured(job.id, step, settings, line, picked)


def _draw(job, measured: Measured) -> None:
    name = plain(job.spec.name or "your model")
    points, _, plane, _ = measured.settings
    later = " Training has moved on since: measure again to follow it." if job.alive else ""
    st.markdown(
        f"**{name}** on **{job.dataset.name}** at step {measured.step}: {points} × {points} points on "
        f"{ON_PLANE[plane]}.{later}"
    )
    line_col, contours_col, surface_col = st.columns(3)  # all three above a projector's fold
    line_col.plotly_chart(plots.loss_line_figure(measured.line), key="landscape_line")
    contours_col.plotly_chart(plots.loss_contour(measured.slice_), key="landscape_contours")
    surface_col.plotly_chart(plots.loss_surface(measured.slice_), key="landscape_surface")
