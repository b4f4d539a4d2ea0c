"""DL Playground: the frame. Page config, shared sidebar, and navigation over pages/."""

import streamlit as st

st.set_page_config(page_title="DL Playground", page_icon="🧠", layout="wide")

PAGES = [
    st.Page("pages/build.py", title="Build", icon="🧱", default=True),
    st.Page("pages/train.py", title="Train", icon="📈"),
    st.Page("pages/playground.py", title="2-D Playground", icon="🎯"),
    st.Page("pages/inspect.py", title="Inspect", icon="🔬"),
    st.Page("pages/explain.py", title="Explain", icon="💡"),
    st.Page("pages/adversarial.py", title="Adversarial", icon="🎭"),
]

st.navigation(PAGES).run()
