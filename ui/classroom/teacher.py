"""The teacher's view, behind the teacher's password: create a class and show its code big enough for the
back of the room, set and close challenges, the leaderboard, every student's latest run (read-only) and
the class's results as a CSV file."""

from __future__ import annotations

import dataclasses
import html

import streamlit as st

import dlcore
from ui.address import page_url
from ui.classroom import challenges, leaderboard, progress
from ui.classroom.state import CLASSROOM, current, set_field
from ui.errors import show_error
from ui.session import session_owner
from ui.state import CLASS_TEACHER, bind

NO_PASSWORD = (
    "The teacher's view is off on this server: start it with a teacher password, "
    "`DLP_TEACHER_PASSWORD=... ./scripts/app.sh` or `./scripts/app.sh -- --teacher-password ...`."
)
SECTIONS = {  # the teacher's tabs: key in the link -> (label, draw(klass))
    "challenges": ("Challenges", challenges.draw_challenges_section),
    "leaderboard": ("Leaderboard", leaderboard.draw_for_teacher),
    "students": ("Students", progress.draw_students_section),
}


def draw_teacher() -> None:
    if not st.session_state.get(CLASS_TEACHER):
        draw_unlock()
        return
    klass = draw_class_bar()
    if klass is None:
        st.info("Create a class (**New class**), or open one of yours.", icon=":material/groups:")
        return
    key_of = {label: key for key, (label, _) in SECTIONS.items()}
    bind("class.section", SECTIONS[current().section][0])
    change = CLASSROOM.on_change(
        "class.section", lambda s, label: dataclasses.replace(s, section=key_of[label])
    )
    tabs = st.tabs(list(key_of), **change)
    for tab, (_, draw) in zip(tabs, SECTIONS.values(), strict=True):
        if tab.open:  # only the open section runs
            with tab:
                draw(klass)


def draw_unlock() -> None:
    """The password box; the right password opens the teacher's view in this tab."""
    service = dlcore.classroom_service()
    if not service.teacher_password_configured():
        st.info(NO_PASSWORD, icon=":material/lock:")
        return
    with st.form("class.unlock", width=420):
        password = st.text_input("Teacher password", type="password", max_chars=200, key="class.password")
        if not st.form_submit_button(
            "Open the teacher's view", type="primary", icon=":material/lock_open:", key="class.unlock_button"
        ):
            return
    try:
        service.check_teacher_password(password, client_of_tab())
    except dlcore.ClassroomError as err:  # a wrong password, or TooManyAttempts with the wait
        show_error(err, icon=":material/lock:")
        return
    st.session_state[CLASS_TEACHER] = True
    st.rerun()


def client_of_tab() -> str:
    """Who is typing passwords: the browser's address, so that opening a new tab does not reset the count."""
    return st.context.ip_address or session_owner()


def open_class() -> dlcore.classroom.ClassRecord | None:
    """The class the teacher has open (the link's code), or None."""
    if not current().code:
        return None
    try:
        return dlcore.classroom_service().class_by_code(current().code)
    except dlcore.ClassroomError:
        return None


def draw_class_bar() -> dlcore.classroom.ClassRecord | None:
    """The class picker, a new class, the CSV export, and the open class's code, big."""
    klass = open_class()
    pick_col, code_col = st.columns([1, 1.3], vertical_alignment="center", gap="large")
    with pick_col:
        classes = {c.code: c for c in dlcore.classroom_service().classes()}
        if classes:
            bind("class.pick", klass.code if klass is not None else None)
            st.selectbox(
                "Class",
                list(classes),
                format_func=lambda code: f"{classes[code].name} ({code})",
                placeholder="Open a class",
                key="class.pick",
                on_change=lambda: set_field("code", st.session_state["class.pick"] or ""),
            )
        new_col, export_col = st.columns(2)
        with new_col:
            draw_new_class()
        if klass is not None:
            export_col.download_button(
                "Results (CSV)",
                data=lambda: dlcore.classroom_service().export_csv(klass.id),
                file_name=f"class-{klass.code}.csv",
                mime="text/csv",
                icon=":material/download:",
                width="stretch",
            )
    if klass is not None:
        with code_col:
            draw_code(klass)
    return klass


def draw_new_class() -> None:
    with st.popover("New class", icon=":material/add:", width="stretch"):
        with st.form("class.new", border=False):
            name = st.text_input(
                "Name of the class", max_chars=100, placeholder="e.g. Year 11, Tuesday", key="class.new_name"
            )
            if not st.form_submit_button("Create", type="primary", key="class.create"):
                return
        try:
            klass = dlcore.classroom_service().create_class(name)
        except dlcore.ClassroomError as err:
            show_error(err)
            return
        set_field("code", klass.code)
        st.rerun()


def draw_code(klass: dlcore.classroom.ClassRecord) -> None:
    """The code the class types, in letters the back row reads off a projector, and the joining link."""
    link = html.escape(f"{page_url('classroom')}?code={klass.code}")
    st.html(
        "<div style='text-align:center;line-height:1.15'>"
        f"<div>{html.escape(klass.name)}: open the Classroom page and join with</div>"
        "<div class='class-code' style='font-size:4.2rem;font-weight:700;letter-spacing:0.4rem;"
        f"font-family:monospace'>{klass.code}</div>"
        f"<div style='font-size:0.9rem;opacity:0.75'>{link}</div>"
        "</div>"
    )
