"""Shared by the Generative page's tests: reading the state, the link and the run of an AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from dlcore import generative as gen
from ui.generative.state import GENERATIVE
from ui.state import GENERATIVE_RUN

PAGE = "pages/generative.py"


def state_of(at: AppTest) -> gen.GenerativeState:
    return at.session_state[GENERATIVE.key]


def run_of(at: AppTest):
    return at.session_state[GENERATIVE_RUN]


def stop_job(at: AppTest) -> None:
    if GENERATIVE_RUN in at.session_state and run_of(at).job is not None:
        run_of(at).job.stop()
        run_of(at).job.wait(5)
