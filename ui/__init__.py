"""Streamlit code the pages share: session ownership, page state, forms, errors, live polling."""
