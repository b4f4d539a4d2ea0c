"""DL Playground: the frame. Page config, shared sidebar, and navigation over pages/."""

import streamlit as st

import ui.warmup  # noqa: F401  (loads the engine once per server process, before any page needs it)
from ui.address import show_address_for_students
from ui.frame import framing, navigation
from ui.lessons.card import lesson_frame
from ui.live import heartbeat_status
from ui.session import current_job, job_is_active, session_owner

st.set_page_config(page_title="DL Playground", page_icon="🧠", layout="wide")
session_owner()  # this tab's id, from its first run: every job it starts is owned by it

page = navigation()
lesson_frame(page.url_path)  # a lesson's link loads its state; the open lesson's card in the sidebar
with st.sidebar:
    st.caption("See deep learning happen: build a network, train it live, then look inside.")
    show_address_for_students()
    if page.url_path != "train" or not job_is_active(current_job()):  # the Train page polls its run itself
        heartbeat_status()  # keeps this tab's runs alive (and visible) while other pages are open
with framing():
    page.run()
