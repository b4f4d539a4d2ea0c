"""The frame every page runs in: the app's pages, and app.py's run around the page it routes to.

Streamlit notices the `pages/` folder next to app.py and, on a fresh server, serves a first deep link
(/train) the legacy way: the page file alone, without app.py (no layout, sidebar or warm-up). Its docs
say how that ends: once any session has called st.navigation, the app ignores `pages/` in every session.
So a page that finds itself outside the frame calls st.navigation and reruns; the rerun goes through
app.py and lands on the same page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

# file, title, icon: the navigation's order
PAGES = (
    ("pages/lessons.py", "Lessons", ":material/school:"),  # first: a teacher arrives at the course
    ("pages/build.py", "Build", ":material/construction:"),
    ("pages/train.py", "Train", ":material/monitoring:"),
    ("pages/playground.py", "2-D Playground", ":material/scatter_plot:"),
    ("pages/learning.py", "Learning", ":material/psychology:"),
    ("pages/generative.py", "Generative", ":material/auto_awesome:"),
    ("pages/sequences.py", "Sequences", ":material/timeline:"),
    ("pages/inspect.py", "Inspect", ":material/biotech:"),
    ("pages/explain.py", "Explain", ":material/lightbulb:"),
    ("pages/adversarial.py", "Adversarial", ":material/theater_comedy:"),
    ("pages/deploy.py", "Deploy", ":material/rocket_launch:"),
    ("pages/runs.py", "Runs", ":material/history:"),
    ("pages/classroom.py", "Classroom", ":material/groups:"),
)
_this_run = threading.local()  # each session's script runs on its own thread


def navigation():
    """st.navigation over the app's pages; returns the page this run shows."""
    pages = [st.Page(path, title=title, icon=icon) for path, title, icon in PAGES]

    def start_page() -> None:
        # The root URL opens the first page at its own address (/lessons): links to every page look alike;
        # the link's query goes with it.
        st.switch_page(pages[0], query_params=st.query_params.to_dict())

    start = st.Page(start_page, title="DL Playground", default=True, visibility="hidden")
    return st.navigation([start, *pages])


@contextmanager
def framing() -> Iterator[None]:
    """app.py runs the page inside this."""
    _this_run.framed = True
    try:
        yield
    finally:
        _this_run.framed = False


def require_frame() -> None:
    """The first line of every page: outside app.py's frame, hand the run over to app.py."""
    if not getattr(_this_run, "framed", False):
        navigation()  # from now on Streamlit routes every session through app.py
        st.rerun()  # this page again, this time inside the frame
