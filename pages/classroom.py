"""Classroom: a student joins a class with its code, trains for the teacher's challenges and hands in runs,
scored on a test set they never see; the teacher (behind a password) sets the challenges and watches the
leaderboard and every student's latest run."""

import streamlit as st

from ui.classroom import state, student, teacher
from ui.frame import require_frame
from ui.state import bind
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/groups: Classroom")
compact_top()  # on a 1280×720 projector the class's code and the leaderboard stay above the fold
state.show_notices()
VIEWS = {"student": "I am a student", "teacher": "I am the teacher"}
bind("class.view", state.current().view)
st.segmented_control(
    "Who are you?",
    list(VIEWS),
    format_func=VIEWS.get,
    required=True,
    label_visibility="collapsed",
    **state.CLASSROOM.on_change("class.view", state.field_change("view")),
)
if state.current().view == "teacher":
    teacher.draw_teacher()
else:
    student.draw_student()
state.CLASSROOM.sync_url()
