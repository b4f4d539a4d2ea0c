"""Opening a page in AppTest, as a browser tab would: through app.py's frame, with a link's query."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def open_at(app: AppTest, page: str, query: dict[str, str] | None = None) -> AppTest:
    """Run `app` (the conftest's fresh AppTest of app.py), go to `page` with `query`; no exception."""
    at = app.run()
    at.switch_page(page)
    at.query_params.clear()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at
