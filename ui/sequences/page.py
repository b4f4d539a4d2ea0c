"""The Sequences page's frame: which tab is open (`?tab=`), the tabs, and the link of all their states."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui import state as keys
from ui.sequences.tabs import TABS
from ui.state import PageState, sync_url

link = dlcore.sequences
OPEN: PageState[dlcore.sequences.OpenTab] = PageState(
    keys.SEQUENCES, link.open_tab_from_query, link.open_tab_to_query, link.validate_open_tab
)
TABS_KEY = "sequences.tab"


def page_states() -> tuple[PageState, ...]:
    """Every PageState the page's link holds: the open tab, then each tab's own."""
    return (OPEN, *(tab.state for tab in TABS.values() if tab.state is not None))


def show_notices() -> None:
    """What a link got wrong and changes that were refused, once each, for the page and every tab."""
    for state in page_states():
        for notice in state.take_notices():
            st.warning(notice, icon=":material/info:")


def draw_tabs() -> None:
    """The tabs, opening on the state's tab; only the open one runs. Then the URL follows every state."""
    label_of = {key: tab.label for key, tab in TABS.items()}
    key_of = {label: key for key, label in label_of.items()}
    st.session_state[TABS_KEY] = label_of[OPEN.current().tab]
    chosen = st.tabs(
        list(label_of.values()),
        **OPEN.on_change(TABS_KEY, lambda state, label: dlcore.sequences.OpenTab(key_of[label])),
    )
    for tab, drawn in zip(chosen, TABS.values(), strict=True):
        if tab.open:
            with tab:
                drawn.draw()
    sync_url(*page_states())
