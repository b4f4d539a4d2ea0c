"""Shared by the playground's page tests: reading the state, the link and the jobs of an AppTest."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

import dlcore.playground as pg
from ui.playground import STATE
from ui.state import PLAYGROUND_RUNS

APP = str(Path(__file__).resolve().parents[3] / "app.py")
PAGE = "pages/playground.py"


def state_of(at: AppTest) -> pg.Playground:
    return at.session_state[STATE.key]


def link_of(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
            for k in at.query_params}  # fmt: skip


def job_of(at: AppTest, side: str = "A"):
    return at.session_state[PLAYGROUND_RUNS][side].job


def stop_jobs(at: AppTest) -> None:
    for run in at.session_state[PLAYGROUND_RUNS].values():
        if run.job is not None:
            run.job.stop()
            run.job.wait(5)
