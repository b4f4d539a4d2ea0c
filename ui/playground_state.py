"""The playground's state in this tab: read once from the link, kept in st.session_state, mirrored to the
URL after every change, so the address bar is always a link that reopens exactly this setup.

Widgets are bound to the state, not the other way round: before a widget is drawn its key is set from
the state, and its on_change callback writes the new value back through `update`. Presets, the URL and
the +/− buttons can therefore change any control without the widgets fighting them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

import dlcore
from dlcore import playground as pg

STATE_KEY = "playground_state"
NOTICE_KEY = "playground_notice"  # problems to show once: a bad link, a rejected change


def current() -> pg.Playground:
    """This tab's playground; on the first visit it comes from the link's query parameters."""
    if STATE_KEY not in st.session_state:
        state, problems = pg.from_query(st.query_params.to_dict())
        st.session_state[STATE_KEY] = state
        if problems:
            st.session_state[NOTICE_KEY] = problems
    return st.session_state[STATE_KEY]


def replace_state(state: pg.Playground) -> bool:
    """Make `state` current if it is valid; otherwise keep the old one and note why. True if taken."""
    try:
        pg.validate(state)
    except dlcore.DlcoreError as err:
        st.session_state[NOTICE_KEY] = [err.message]
        return False
    st.session_state[STATE_KEY] = state
    return True


def update(change: Callable[[pg.Playground], pg.Playground]) -> None:
    """Apply `change` to the current state (for button and widget callbacks)."""
    replace_state(change(current()))


def sync_url(state: pg.Playground) -> None:
    """Write the state into the address bar (only when it differs, so nothing flickers)."""
    query = pg.to_query(state)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def take_notices() -> list[str]:
    return st.session_state.pop(NOTICE_KEY, [])


def bind(key: str, value: Any) -> str:
    """Set a widget's value from the state just before the widget is drawn; returns the key."""
    st.session_state[key] = value
    return key


def on_change(key: str, change: Callable[[pg.Playground, Any], pg.Playground]) -> dict[str, Any]:
    """Keyword arguments for a widget whose new value updates the state through `change(state, value)`."""
    return {"key": key, "on_change": _changed, "args": (key, change)}


def _changed(key: str, change: Callable[[pg.Playground, Any], pg.Playground]) -> None:
    update(lambda state: change(state, st.session_state[key]))
