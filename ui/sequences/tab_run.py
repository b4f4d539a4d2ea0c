"""A tab's one training run: its job and the state it was started with, kept in this browser tab.

The views read the started state, not the current one: a student who changes the task while a run trains
sees the run's own maps until the next Start. The run bar offers Start (replacing the run), Pause, Resume,
one epoch at a time while paused, and Stop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

import dlcore
from ui.live import live
from ui.run_controls import RunActions, run_bar, run_status
from ui.session import session_owner
from ui.state import PageState


@dataclass(frozen=True)
class TabRun:
    """`key`: the session key of (job, started state); `state`: the tab's PageState; `begin(state)` ->
    (spec, dataset, TrainConfig) of a run of that state."""

    key: str
    state: PageState
    begin: Callable[[object], tuple]

    def job(self):
        return st.session_state.get(self.key, (None, None))[0]

    def started(self):
        """The state the run was started with (None before Start)."""
        return st.session_state.get(self.key, (None, None))[1]

    def start(self) -> None:
        old = self.job()
        if old is not None and old.alive:
            old.stop("replaced by a new run")
        state = self.state.current()
        spec, ds, cfg = self.begin(state)
        job = dlcore.start_training(spec, ds, cfg, owner=session_owner())
        st.session_state[self.key] = (job, state)

    def bar(self, key: str):
        """The run bar; returns its row, for the tab's own controls after the buttons."""
        job = self.job()
        actions = RunActions(
            start=self.start,
            pause=lambda: self.job().pause(),
            resume=lambda: self.job().resume(),
            step_epoch=lambda: self.job().step("epoch"),
            stop=lambda: self.job().stop(),
            step_starts_run=False,
        )
        return run_bar(key, run_status(job), actions)

    def live(self, draw: Callable[[object], None], seconds: float | None = None) -> None:
        """`draw(job)` now and, while the run trains, several times a second (None before Start)."""
        job = self.job()
        extra = {} if seconds is None else {"seconds": seconds}
        live(draw, drawn_status=job.status if job else None, job_of=self.job, **extra)
