"""Runs: every training kept (from Train, the labs, the command line), to sort, filter, compare side by
side, reopen on Build and Train, rename, note and delete."""

import streamlit as st

import ui.runs  # noqa: F401  (registers the page's sections)
from ui.frame import require_frame
from ui.runs import state
from ui.runs.search_plan import PLAN
from ui.runs.sections import SECTIONS, open_section
from ui.runs.table import draw_filters, draw_storage_notice, draw_table, kept_runs
from ui.state import bind, sync_url
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/history: Runs")
compact_top()  # on a 1280×720 projector the table and the open section share the screen
state.show_notices()
draw_storage_notice()

runs = kept_runs()
if runs is not None:
    draw_filters()
    view = state.current()
    draw_table(state.shown(runs))
    ticked = state.ticked(runs)
    key_of = {section.label: key for key, section in SECTIONS.items()}
    bind("runs.section", open_section(view.section).label)
    tabs = st.tabs(list(key_of), **state.RUNS.on_change("runs.section", state.section_change(key_of)))
    for tab, section in zip(tabs, SECTIONS.values(), strict=True):
        if tab.open:  # only the open section runs
            with tab:
                section.draw(ticked)

sync_url(state.RUNS, PLAN)  # the Search section's plan rides in the link too
