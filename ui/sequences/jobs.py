"""A tab's training job, kept under its session key in this browser tab: Start (replacing the job), Pause,
Resume and Stop in the run bar, and the tab's live views."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

import dlcore
from ui.live import live
from ui.run_controls import RunActions, run_bar, run_status
from ui.session import session_owner


@dataclass(frozen=True)
class TabJob:
    key: str  # the session key of the job (ui/state.py)

    def job(self):
        return st.session_state.get(self.key)

    def start(self, spec, ds, config):
        """Stop the tab's job, if any, and start one training `spec` on `ds`; returns it."""
        old = self.job()
        if old is not None:
            old.stop()
        job = dlcore.start_training(spec, ds, config, owner=session_owner())
        st.session_state[self.key] = job
        return job

    def bar(self, key: str, start: Callable[[], None], labels: dict[str, str] | None = None) -> None:
        """The run bar of widget key `key`; `start()` is the tab's Start (it calls `self.start`)."""
        actions = RunActions(
            start=start,
            pause=lambda: self.job().pause(),
            resume=lambda: self.job().resume(),
            stop=lambda: self.job().stop(),
            labels=labels or {},
        )
        run_bar(key, run_status(self.job()), actions)

    def live(self, views: Callable[[object], None]) -> None:
        """`views(job)` now and, while the job trains, several times a second (None before Start)."""
        job = self.job()
        live(views, drawn_status=job.status if job else None, job_of=self.job)
