"""A fresh server's first visitor may arrive by a deep link: the page still opens inside the app's frame."""

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.conftest import running_app

pytestmark = pytest.mark.e2e


def open_main_menu(page, helpers) -> None:
    """Open the ⋮ menu. A rerun that lands just after the click closes it again (a fresh server's first
    page reruns once inside the frame); a person would click again, and so does this."""
    for attempt in range(3):
        helpers.wait_for_app(page)
        page.locator("[data-testid='stMainMenu']").click()
        try:
            page.get_by_text("Print", exact=True).wait_for(timeout=10_000)  # the menu is open
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


@pytest.mark.parametrize("path", ["train", "playground"])
def test_a_deep_link_as_a_fresh_servers_first_request_opens_the_page_in_the_frame(browser, helpers, path):
    with running_app(f"streamlit-fresh-{path}") as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/{path}")
        helpers.wait_for_app(page, timeout_ms=90_000)
        # the frame: the app's navigation and its sidebar caption, and the page asked for
        page.get_by_text("See deep learning happen").wait_for(timeout=30_000)
        assert page.locator("[data-testid='stSidebarNav']").get_by_text("2-D Playground").count() == 1
        assert page.url.rstrip("/").endswith(f"/{path}") or f"/{path}?" in page.url
        helpers.assert_no_errors(page)
        # students see no Deploy button, and the menu has no developer entries
        assert page.get_by_role("button", name="Deploy").count() == 0
        if path == "train":  # (the playground redraws while it trains, which closes an open menu)
            open_main_menu(page, helpers)
            assert page.get_by_text("Clear cache").count() == 0 and page.get_by_text("Rerun").count() == 0
        page.close()
