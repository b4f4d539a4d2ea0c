"""Lessons: the course's guided experiments, each opening its page with its state and a card that asks a
question and checks the answer."""

import streamlit as st

from dlcore import lessons
from ui.frame import require_frame
from ui.lessons.card import passed_lessons
from ui.lessons.listing import FILTER, draw_broken, draw_filters, draw_lessons
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/school: Lessons")
compact_top()
st.caption(
    "Guided experiments, in course order. **Open** sets up the lesson's page; its card in the sidebar says "
    "what to do and checks your answer. Paste a lesson's link to send it to a class: it opens the lesson "
    "on any server."
)
for notice in FILTER.take_notices():  # a link whose level or topic the course does not have
    st.warning(notice, icon=":material/filter_alt_off:")
course, broken = lessons.offered_course()
draw_broken(broken)
draw_filters(course)
draw_lessons(course, passed_lessons())
FILTER.sync_url()
