"""Streamlit code the pages share: session ownership, model state, forms, errors, live polling."""

from ui.multipage import use_app_navigation

use_app_navigation()
