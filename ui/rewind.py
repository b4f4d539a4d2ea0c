"""Rewind: a slider over the moments a training job kept of its model, from its first weights to live.

    step = rewind_slider(job, key="inspect_rewind")    # drawn where the page wants it; None = live
    model = rewound_model(job, key="inspect_rewind")   # the model at the chosen moment, or None = live

The job keeps the moments (dlcore: `job.rewind`, every step at first, then further apart, under a memory
cap); this module only lets a student pick one. The chosen step lives under the slider's key, so a
fragment that redraws a view many times a second can read it without drawing the slider again.
"""

from __future__ import annotations

import streamlit as st

import dlcore
from ui.state import REWIND_JOB, REWIND_MODEL

LIVE = "live"
MB = 2**20


def rewind_slider(job, key: str, label: str = "Rewind to a moment of training") -> int | None:
    """The slider over `job`'s kept moments and "live", with what the kept moments cost; the chosen step,
    or None for live. A new job starts live; a moment thinned away since moves to the nearest kept one."""
    steps = job.rewind.steps() if job is not None else []
    if len(steps) < 2:
        if job is not None and not job.rewind.enabled:
            st.caption(f"Rewind is off: one copy of this model takes more than a third of {_cap(job)}.")
        return None
    options = [*steps, LIVE]
    if st.session_state.get(REWIND_JOB.format(key=key)) != job.id or key not in st.session_state:
        st.session_state[key] = LIVE
        st.session_state[REWIND_JOB.format(key=key)] = job.id
    elif st.session_state[key] not in options:
        st.session_state[key] = min(steps, key=lambda step: abs(step - st.session_state[key]))
    chosen = st.select_slider(
        label,
        options,
        format_func=lambda option: "live" if option == LIVE else f"step {option}",
        key=key,
        help="Show the model as it was at a step kept during training (every step at first, then further "
        "apart), or live.",
    )
    st.caption(
        f"{len(steps)} moments kept, from step {steps[0]} to step {steps[-1]}: "
        f"{_size(job.rewind.bytes_used)} of {_cap(job)}."
    )
    return None if chosen == LIVE else chosen


def chosen_step(job, key: str) -> int | None:
    """The step picked on the slider under `key` for `job` (None = live), without drawing it."""
    if job is None or st.session_state.get(REWIND_JOB.format(key=key)) != job.id:
        return None
    chosen = st.session_state.get(key, LIVE)
    return None if chosen == LIVE or chosen not in job.rewind.steps() else chosen


def rewound_model(job, key: str):
    """The model as it was at the step picked under `key` (rebuilt once per pick), or None for live."""
    step = chosen_step(job, key)
    if step is None:
        return None
    held = st.session_state.get(REWIND_MODEL.format(key=key))
    if held is None or held[:2] != (job.id, step):
        try:
            held = (job.id, step, job.snapshot(step=step))
        except dlcore.DlcoreError:  # freed, or thinned away since: live it is
            return None
        st.session_state[REWIND_MODEL.format(key=key)] = held
    return held[2]


def _size(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB / 10 else f"{size / 1024:.0f} kB"


def _cap(job) -> str:
    return f"the {job.rewind.cap_bytes / MB:.0f} MB cap"
