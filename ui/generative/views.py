"""The Generative page's live views: the chosen family draws them (its `draw_views`) in a fragment that
polls the page's run several times a second while it trains; under them, the family's "what to notice"."""

from __future__ import annotations

import streamlit as st

from dlcore import generative as gen
from ui.errors import show_error
from ui.generative import runs
from ui.generative.controls import points_plane
from ui.generative.families import FAMILIES
from ui.live import live


def views(state: gen.GenerativeState, run: runs.Run) -> None:
    family = FAMILIES[state.family]
    if run.error is not None and state.data == gen.OWN_POINTS:  # not a mistake: points still to add
        st.info(
            f"{run.error[:1].upper()}{run.error[1:]}. Click the plane below to add points, or upload a "
            "CSV of x, y.",
            icon=":material/ads_click:",
        )
        points_plane(state, height=440)
        return
    if run.error is not None:
        show_error(run.error)
        return
    with st.container(key="gen-views"):  # the browser tests find the views here
        live(lambda job: family.draw_views(job, state), drawn_status=run.job.status, job_of=runs.current_job)
    with st.expander("What to notice", expanded=False, icon=":material/visibility:"):
        st.markdown(family.notice)


def run_caption(job) -> None:
    """One line under a family's views: where the run is."""
    progress = job.progress()
    st.caption(
        f"Epoch {progress.get('epoch', 0)} · step {progress.get('step', 0)} · {job.status}"
        + (f" · {job.error}" if job.status == "failed" and job.error else "")
    )
