"""Ten students training at once on one server: every run trains, and every page's charts keep moving.

The update rate each page reaches is a benchmark (scripts/load_test.py, docs/benchmarks.md); this test
checks the behaviour: no run waits for the others to finish, and no page's chart stalls.
"""

import pytest

pytestmark = pytest.mark.e2e  # a browser test: `-m "not e2e"` skips it like the others

SESSIONS = 10
# The newest step the loss chart shows (its per-step trace ends there), or 0 before the first point.
NEWEST_STEP = """() => {
    const plot = document.querySelector('.st-key-loss_chart .js-plotly-plot');
    const trace = plot && plot._fullData && plot._fullData[0];
    return trace && trace.x && trace.x.length ? trace.x[trace.x.length - 1] : 0;
}"""


def open_train_page(browser, app_url: str, helpers):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{app_url}/train")
    page.get_by_role("button", name="Start").wait_for(timeout=120_000)
    page.locator("summary", has_text="Data and settings").click()  # the settings fold away
    epochs = page.get_by_role("spinbutton", name="epochs")
    epochs.fill("5000")  # far longer than the test: every run is still training at the end
    epochs.press("Enter")
    helpers.wait_for_app(page, timeout_ms=60_000)
    return page


def test_ten_sessions_training_at_once_all_keep_updating(browser, app_url, helpers):
    pages = [open_train_page(browser, app_url, helpers) for _ in range(SESSIONS)]
    try:
        for page in pages:
            page.get_by_role("button", name="Start").click()
        for page in pages:  # every run trains: its chart gets a first point ...
            page.wait_for_function(f"() => ({NEWEST_STEP})() > 0", timeout=120_000)
        newest = [page.evaluate(NEWEST_STEP) for page in pages]
        for page, step in zip(pages, newest, strict=True):  # ... and then keeps moving
            page.wait_for_function(f"step => ({NEWEST_STEP})() > step", arg=step, timeout=60_000)
        for page in pages:
            progress = page.locator("[data-testid='stProgress']").first.inner_text()
            assert "taking turns with" in progress, progress  # shared, and the page says so
            helpers.assert_no_errors(page)
        helpers.screenshot(pages[-1], "train-ten-sessions")
    finally:
        for page in pages:
            stop = page.get_by_role("button", name="Stop", exact=True).first
            if stop.is_enabled():
                stop.click()
            page.context.close()
