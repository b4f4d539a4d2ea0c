"""The live-polling fragment: redraw what a training job has produced, several times a second.

The training thread never calls st.*; it writes metrics, and this fragment reads them. Every poll is also
the tab's heartbeat, so a closed tab (no more polls) lets the job pool stop its job. While no job is
active the fragment does not tick at all, so an idle page costs nothing.

Every redraw costs the server (one Python process shared with the training threads) and the browser. When
more runs train at once than the server can redraw at full rate, every page polls proportionally less often,
so the total redraw work stays about the same and every page keeps moving: the load factor.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import streamlit as st

import dlcore
from ui.session import current_job, job_is_active, tab_jobs, watched_job

POLL_S = 0.2  # 5 redraws a second asked, so at least 4 arrive: curves look live, training keeps its pace
SIDEBAR_POLL_S = 1.0  # other pages only need to keep the heartbeat and a one-line status going
FULL_RATE_RUNS = 4  # up to this many runs training at once, every page polls as often as it asks
MAX_POLL_S = 5.0  # however busy the server, a page polls (and heartbeats) well within the reaper's grace


def load_factor() -> int:
    """1 while at most FULL_RATE_RUNS runs train on this server, then 2, 3, ...: how many times less often
    pages poll. A whole number, so it changes (and pages rerun to follow it) only now and then."""
    running = sum(job.status == "running" for job in dlcore.job_pool().jobs())
    return max(1, math.ceil(running / FULL_RATE_RUNS))


def scaled(seconds: float, factor: int) -> float:
    """`seconds` between polls, stretched by the load factor, but not beyond MAX_POLL_S."""
    return max(seconds, min(MAX_POLL_S, seconds * factor))


def poll_interval(job, seconds: float = POLL_S, factor: int = 1) -> float | None:
    """How often to poll: every `seconds` (times the load factor) while the job trains or waits for its
    turn (it starts any moment), at least once a second while paused (nothing moves, but the heartbeat must
    go on), else never."""
    if not job_is_active(job):
        return None
    return scaled(max(seconds, SIDEBAR_POLL_S) if job.status == "paused" else seconds, factor)


def rerun_if_load_changed(factor: int) -> None:
    """Rerun the page when the load factor moved, so its polling fragments take the new interval."""
    if load_factor() != factor:
        st.rerun()


def live(
    draw: Callable[[object], None],
    *,
    seconds: float = POLL_S,
    drawn_status: str | None = None,
    job_of: Callable[[], object] = current_job,
) -> None:
    """Call `draw(job)` in a fragment that reruns every `seconds` while the job is active: this tab's job,
    or the one `job_of()` returns (a page's own run, such as the Adversarial page's robust copy).

    When the job's status changes what the page shows (paused, finished, failed, stopped by the job pool)
    the whole page reruns once, so buttons and results catch up; so it does when the load factor changes.
    `drawn_status`: the job's status when the page drew its buttons (read at the top of the script). A
    job may end while the page is being drawn (Stop, then the test scores in a few ms); the page then
    reruns at once, since a fragment that starts on an ended job never ticks to notice.
    """
    job = job_of()
    phase_at_draw = _phase(job)
    if drawn_status is not None and _phase_of(drawn_status) != phase_at_draw:
        st.rerun()
    factor = load_factor()

    @st.fragment(run_every=poll_interval(job, seconds, factor))
    def _poll() -> None:
        job_now = job_of()
        if job_now is not None:
            for job_of_tab in tab_jobs():  # the tab is open: all its jobs live on, watched here or not
                job_of_tab.heartbeat()
        draw(job_now)
        if job_now is not None and _phase(job_now) != phase_at_draw:
            st.rerun()
        if job_is_active(job_now):
            rerun_if_load_changed(factor)

    _poll()


def _phase(job) -> str | None:
    return None if job is None else _phase_of(job.status)


def _phase_of(status: str) -> str:
    # Waiting for a turn and training look the same outside the fragment: no page rerun between them
    # (a full rerun costs the server and the browser far more than a poll).
    return "training" if status in ("queued", "running") else status


def heartbeat_status() -> None:
    """A one-line sidebar status of this tab's active job that keeps the heartbeat of all its jobs going
    on every page."""

    def draw(job) -> None:
        if not job_is_active(job):
            return
        progress = job.progress()
        epochs = progress.get("epochs") or "∞"
        st.caption(f"Training ({job.status}): epoch {progress.get('epoch', 0)}/{epochs}")
        st.progress(min(1.0, float(progress.get("fraction") or 0.0)))

    live(draw, seconds=SIDEBAR_POLL_S, job_of=watched_job)
