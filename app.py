"""DL Playground: the frame. Page config, shared sidebar, and navigation over pages/."""

import streamlit as st

import ui.warmup  # noqa: F401  (loads the engine once per server process, before any page needs it)
from ui.address import show_address_for_students
from ui.live import heartbeat_status
from ui.session import current_job, job_is_active, session_owner

st.set_page_config(page_title="DL Playground", page_icon="🧠", layout="wide")
session_owner()  # this tab's id, from its first run: every job it starts is owned by it

BUILD = st.Page("pages/build.py", title="Build", icon=":material/construction:")
PAGES = [
    BUILD,
    st.Page("pages/train.py", title="Train", icon=":material/monitoring:"),
    st.Page("pages/playground.py", title="2-D Playground", icon=":material/scatter_plot:"),
    st.Page("pages/inspect.py", title="Inspect", icon=":material/biotech:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/lightbulb:"),
    st.Page("pages/adversarial.py", title="Adversarial", icon=":material/theater_comedy:"),
]


def start_page() -> None:
    # The root URL opens Build at its own address (/build), so links and bookmarks to every page look alike;
    # the link's query (a model) goes with it.
    st.switch_page(BUILD, query_params=st.query_params.to_dict())


page = st.navigation([st.Page(start_page, title="DL Playground", default=True, visibility="hidden"), *PAGES])
with st.sidebar:
    st.caption("See deep learning happen: build a network, train it live, then look inside.")
    show_address_for_students()
    if page.url_path != "train" or not job_is_active(current_job()):  # the Train page polls its run itself
        heartbeat_status()  # keeps this tab's runs alive (and visible) while other pages are open
page.run()
