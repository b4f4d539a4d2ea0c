"""Sequences: watch recurrent memory work and fail, race memory layers over long gaps, and see what
embeddings learn. Each tab keeps its own settings in the link (ui.sequences)."""

import streamlit as st

from ui.frame import require_frame
from ui.sequences.page import draw_tabs, show_notices
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/timeline: Sequences")
compact_top()  # on a 1280×720 projector each tab's views stay above the fold
show_notices()
draw_tabs()
