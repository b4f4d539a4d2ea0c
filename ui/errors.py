"""Errors as lessons: a DlcoreError is shown beside the thing that caused it, in the engine's own words.

Only DlcoreError (bad input the student can fix) is caught here; anything else is a bug and should fail
loudly in tests rather than be hidden behind a friendly box.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from dlcore import DlcoreError, SpecError
from ui.text import plain


def show_error(err: DlcoreError | str, *, icon: str = ":material/error:") -> None:
    """Show the student-readable message of `err` (or a plain message) as an error box."""
    st.error(plain(err.message if isinstance(err, DlcoreError) else err), icon=icon)


def show_hint(message: str) -> None:
    """A warning that does not block anything (e.g. advice before Start)."""
    st.warning(message, icon=":material/lightbulb:")


@contextmanager
def shown_errors() -> Iterator[None]:
    """Run a block; if it raises a DlcoreError, show it here instead of a traceback."""
    try:
        yield
    except DlcoreError as err:
        show_error(err)


def error_at_layer(err: DlcoreError | None, index: int) -> SpecError | None:
    """`err` if it is a SpecError caused by the top-level layer at `index` (0-based), else None."""
    if isinstance(err, SpecError) and err.layer_index == index:
        return err
    return None


def error_elsewhere(err: DlcoreError | None) -> DlcoreError | None:
    """`err` if it belongs to no single layer (e.g. the input shape), so the page shows it at the top."""
    if err is None or (isinstance(err, SpecError) and err.layer_index is not None):
        return None
    return err
