"""Shared fixtures for the page tests (AppTest runs app.py in-process, no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app.py")

APP_TIMEOUT_S = 60  # the first run imports torch and warms up the engine


@pytest.fixture
def app():
    """A fresh AppTest of the whole app (a new browser session), not yet run."""
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)


@pytest.fixture
def fake_drops(monkeypatch):
    """Simulate streamlit-dnd drops: AppTest cannot drag, and custom components return their default.

    Push `streamlit_dnd.DropEvent`s onto the returned list; each run of the page consumes the first one.
    """
    import streamlit_dnd

    pending: list = []

    def fake_dnd(*args, **kwargs):
        return pending.pop(0) if pending else None

    monkeypatch.setattr(streamlit_dnd, "dnd", fake_dnd)
    return pending
