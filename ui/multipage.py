"""Make deep links work on a fresh server.

Streamlit notices a `pages/` folder next to app.py at start-up and, until app.py has called
st.navigation once, runs any page URL (/train) the old way: the page file alone, without app.py's frame
(layout, sidebar, warm-up). Every page imports `ui`, so the first such run lands here: it records that
this app uses st.navigation and reruns at once, this time through app.py.
"""

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def use_app_navigation() -> None:
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if st.runtime.exists():
            st.rerun()
