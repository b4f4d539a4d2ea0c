"""A little CSS for what Streamlit's own styling cannot say: compact, grabbable drag-and-drop cards, and
layer fields whose labels wrap rather than being cut short."""

import streamlit as st

from ui.build.palette import CARD_PREFIX, MODEL_CARD_PREFIX

CSS = f"""
<style>
[class*="st-key-{CARD_PREFIX}"] {{ padding: 0.15rem 0.55rem !important; cursor: grab; gap: 0 !important; }}
[class*="st-key-{CARD_PREFIX}"] p {{ font-size: 0.85rem; }}
[class*="st-key-{MODEL_CARD_PREFIX}"] {{ padding: 0.25rem 0.6rem !important; cursor: grab; gap: 0.2rem; }}
/* a long title ("1 · Sequential → 8×14×14") wraps its words; the edit and remove buttons stay beside it */
[class*="st-key-{MODEL_CARD_PREFIX}"] [data-testid="stHorizontalBlock"] {{ flex-wrap: nowrap; }}
[class*="st-key-{MODEL_CARD_PREFIX}"] [data-testid="stHorizontalBlock"] > * {{ min-width: 0; }}
/* a toggle's label wraps instead of ending in "…" (in a half-width column at 1280x720: "return s…") */
[data-testid="stCheckbox"] [data-testid="stMarkdownContainer"],
[data-testid="stCheckbox"] [data-testid="stMarkdownContainer"] p {{ white-space: normal; overflow: visible; }}
</style>
"""


def inject_css(selected_card: str | None = None) -> None:
    """The page's CSS; `selected_card` (a card key) is tinted so the student sees which layer is open."""
    highlight = ""
    if selected_card:
        rule = "background: #fff1f1; border-color: #ff4b4b !important;"
        highlight = f"<style>.st-key-{selected_card} {{ {rule} }}</style>"
    st.html(CSS + highlight)


def compact_top() -> None:
    """Less empty space above the page title (Streamlit leaves 6rem): what the class watches moves up."""
    st.html("<style>.stMainBlockContainer { padding-top: 2rem; }</style>")
