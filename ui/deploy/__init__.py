"""The Deploy page: exporting the tab's trained model (`export`), making it smaller by quantisation
(`smaller`) and by pruning (`prune`). What each tab measured is kept for the snapshot it was measured on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st


def kept(key: str, held) -> Any:
    """What was kept under `key` for the snapshot `held`, or None (nothing yet, or made from another one)."""
    entry = st.session_state.get(key)
    return entry["value"] if entry is not None and entry["subject"] is held else None


def keep(key: str, held, value: Any) -> None:
    """Keep `value` under `key` for the snapshot `held` (it survives reruns and page switches)."""
    st.session_state[key] = {"subject": held, "value": value}


def progress_bar(text: str) -> tuple[Callable[[float, str], None], Any]:
    """(an engine `progress(fraction, text)` callback drawing a progress bar, the bar to empty when done)."""
    bar = st.progress(0.0, text=text)

    def progress(fraction: float, text: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=text)

    return progress, bar
