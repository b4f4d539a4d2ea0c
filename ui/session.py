"""One browser tab = one session: its owner id and the training job it owns.

Jobs live in this tab's st.session_state, never in a process-wide cache, so one student's job can never
show up in another student's tab. The owner id is what the job pool uses to cap and reap jobs: when a tab
is closed its polling stops, its heartbeats stop, and the job pool stops the job after a grace period.
"""

from __future__ import annotations

import uuid

import streamlit as st

import dlcore
from ui.state import JOB as JOB_KEY
from ui.state import OWNER as OWNER_KEY

# A job in one of these states still wants heartbeats (a paused job must not be reaped while watched).
ACTIVE_STATUSES = ("queued", "running", "paused")


def session_owner() -> str:
    """A stable id for this browser session, used as the owner of its training jobs."""
    if OWNER_KEY not in st.session_state:
        st.session_state[OWNER_KEY] = f"tab-{uuid.uuid4().hex[:12]}"
    return st.session_state[OWNER_KEY]


def current_job():
    """The training job this tab started (any status), or None."""
    return st.session_state.get(JOB_KEY)


def tab_jobs() -> list:
    """Every job of this tab still held by the job pool: its run, and a page's own (the Adversarial
    page's robust copy)."""
    return dlcore.job_pool().jobs(session_owner())


def watched_job():
    """This tab's run while it is active, else another active job of the tab (a robust copy training on
    while the student reads another page), else None."""
    job = current_job()
    if job_is_active(job):
        return job
    return next((other for other in tab_jobs() if job_is_active(other)), None)


def set_job(job) -> None:
    """Remember `job` as this tab's job, stopping the one it replaces so no thread is left behind."""
    old = st.session_state.get(JOB_KEY)
    if old is not None and old is not job and old.status in ACTIVE_STATUSES:
        old.stop()
    st.session_state[JOB_KEY] = job


def job_is_active(job) -> bool:
    return job is not None and job.status in ACTIVE_STATUSES
