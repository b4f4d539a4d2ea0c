"""The Generative page's run: one training job owned by this tab, made to match the page's state.

Any change to what trains (data, family, a network, a setting) starts a fresh run from the seed, paused at
step 0 unless Play is on, so the page shows the untrained model at once; a change that only alters the views
(the interpolation's ends) keeps the run. The job is the engine's (`dlcore.start_training` over the
family's recipe); this module only decides when to replace it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

import dlcore
from dlcore import generative as gen
from ui.session import session_owner
from ui.state import GENERATIVE_PLAYING as PLAYING_KEY
from ui.state import GENERATIVE_RUN as RUN_KEY


@dataclass
class Run:
    """The page's training: its job (None when it could not start: `error` says why), the dataset it
    trains on, and the state it was started from."""

    job: Any
    dataset: Any
    started_from: gen.GenerativeState
    error: str | None = None


def is_playing() -> bool:
    return bool(st.session_state.get(PLAYING_KEY, False))


def current() -> Run | None:
    return st.session_state.get(RUN_KEY)


def current_job():
    run = current()
    return None if run is None else run.job


def drawn(job) -> Run | None:
    """The run whose views a family draws with `job`; before Play, None, and the views say how to start."""
    run = current()
    if job is None or run is None:
        st.info("Press **Play** to train.", icon=":material/play_arrow:")
        return None
    return run


def sync(state: gen.GenerativeState) -> Run:
    """The run for `state`: the current one, or a fresh one when what trains changed."""
    run = current()
    wanted = gen.run_part(state)
    if run is None or run.started_from != wanted:
        _stop(run)
        run = _start(wanted)
        st.session_state[RUN_KEY] = run
    return run


def _start(state: gen.GenerativeState) -> Run:
    run = Run(None, None, state)
    try:
        run.dataset = gen.load_data(state)
        run.job = dlcore.start_training(
            gen.models(state, run.dataset),
            run.dataset,
            gen.train_config(state),
            owner=session_owner(),
            paused=True,
        )
        if is_playing():
            run.job.resume()
    except dlcore.DlcoreError as err:
        run.error = err.message
    return run


def _stop(run: Run | None) -> None:
    """Stop a run's job and wait briefly, so its place in the tab's quota is free again."""
    if run is not None and run.job is not None and run.job.alive:
        run.job.stop("replaced by a new setup")
        run.job.wait(timeout=5)


def _restart_ended() -> Run | None:
    """The run, started again when its job ended (its time limit, or reaped while the tab was elsewhere)."""
    run = current()
    if run is not None and run.job is not None and not run.job.alive and run.job.status != "failed":
        run = _start(run.started_from)
        st.session_state[RUN_KEY] = run
    return run


# --- the run bar's actions ---------------------------------------------------------------------------------
def play() -> None:
    st.session_state[PLAYING_KEY] = True
    run = _restart_ended()
    if run is not None and run.job is not None and run.job.alive:
        run.job.resume()


def pause() -> None:
    st.session_state[PLAYING_KEY] = False
    job = current_job()
    if job is not None and job.alive:
        job.pause()


def step() -> None:
    """One epoch, then pause."""
    st.session_state[PLAYING_KEY] = False
    run = _restart_ended()
    if run is not None and run.job is not None and run.job.alive:
        run.job.step("epoch")


def reset() -> None:
    """Fresh weights from the seed, step 0, paused."""
    st.session_state[PLAYING_KEY] = False
    run = current()
    if run is not None:
        _stop(run)
        st.session_state[RUN_KEY] = _start(run.started_from)
