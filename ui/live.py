"""The live-polling fragment: redraw what a training job has produced, several times a second.

The training thread never calls st.*; it writes metrics, and this fragment reads them. Every poll is also
the tab's heartbeat, so a closed tab (no more polls) lets the scheduler stop its job. While no job is
active the fragment does not tick at all, so an idle page costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.session import current_job, job_is_active

POLL_S = 0.2  # 5 redraws a second asked, so at least 4 arrive: curves look live, training keeps its pace
SIDEBAR_POLL_S = 1.0  # other pages only need to keep the heartbeat and a one-line status going


def poll_interval(job, seconds: float = POLL_S) -> float | None:
    """How often to poll: every `seconds` while the job trains, once a second while it is queued or
    paused (nothing moves, but the heartbeat must go on), else never."""
    if not job_is_active(job):
        return None
    return seconds if job.status == "running" else max(seconds, SIDEBAR_POLL_S)


def live(draw: Callable[[object], None], *, seconds: float = POLL_S) -> None:
    """Call `draw(job)` in a fragment that reruns every `seconds` while this tab's job is active.

    When the job's status changes (finished, failed, stopped by the scheduler) the whole page reruns once,
    so buttons and results catch up and polling stops.
    """
    job = current_job()
    status_at_draw = job.status if job is not None else None

    @st.fragment(run_every=poll_interval(job, seconds))
    def _poll() -> None:
        job_now = current_job()
        if job_now is not None:
            job_now.heartbeat()
        draw(job_now)
        if job_now is not None and job_now.status != status_at_draw:
            st.rerun()

    _poll()


def heartbeat_status() -> None:
    """A one-line sidebar status of this tab's job that also keeps its heartbeat going on every page."""

    def draw(job) -> None:
        if not job_is_active(job):
            return
        progress = job.progress()
        epochs = progress.get("epochs") or "∞"
        st.caption(f"Training ({job.status}): epoch {progress.get('epoch', 0)}/{epochs}")
        st.progress(min(1.0, float(progress.get("fraction") or 0.0)))

    live(draw, seconds=SIDEBAR_POLL_S)
