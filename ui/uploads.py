"""Uploaded files are read once per file, not once per rerun.

A file stays in its uploader across reruns, and Streamlit reruns the page on every widget change: reading
(and checking) a 50 MB upload each time would repeat its cost for nothing. The result, or the DlcoreError
that says why the file cannot be used, is kept in st.session_state until another file arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

import dlcore
from ui.errors import show_error


@dataclass
class Parsed:
    """What `parse` made of one uploaded file: `value`, or the `error` to show instead."""

    file_id: str
    value: Any = None
    error: dlcore.DlcoreError | None = None
    fresh: bool = True  # True on the run the file arrived (act on it once), False on later reruns


def parse_once(upload, parse: Callable[[Any], Any], key: str) -> Parsed:
    """`parse(upload)` the first time this file is seen under `key`, the kept outcome after that."""
    held: Parsed | None = st.session_state.get(key)
    if held is not None and held.file_id == upload.file_id:
        held.fresh = False
        return held
    try:
        held = Parsed(upload.file_id, value=parse(upload))
    except dlcore.DlcoreError as err:
        held = Parsed(upload.file_id, error=err)
    st.session_state[key] = held
    return held


def points_upload(page, state, label: str, key: str, parse: Callable[[Any], Any], kept_key: str) -> None:
    """A CSV uploader that replaces the `points` of a page's state (its PageState `page`, whose current
    value is `state`) and a button that clears them: the 2-D pages' own points. A file that cannot be used
    is named with why, and the points already there are kept."""
    upload = st.file_uploader(label, type=["csv"], key=key)
    if upload is not None:
        parsed = parse_once(upload, parse, kept_key)
        if parsed.error is not None:
            show_error(f"{upload.name}: {parsed.error.message}")
        elif parsed.fresh:
            page.replace(replace(state, points=parsed.value))
            st.rerun()
    if state.points:
        st.button(
            "Clear points",
            key=f"{key}-clear",
            on_click=page.update,
            args=(lambda s: replace(s, points=()),),
        )
