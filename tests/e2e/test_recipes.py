"""A GAN trained from the Train page in a real browser: the generated points and both roles' losses move
while it trains, redrawn in place, with the run bar and both charts above the fold of a projector."""

import re

import pytest

pytestmark = pytest.mark.e2e

CHARTS = ("sample_chart", "loss_chart")


def chart_picture(page, key: str) -> bytes:
    return page.locator(f".st-key-{key} .js-plotly-plot").screenshot()


def test_a_gan_preset_trains_from_the_train_page_and_its_views_update_live(browser, app_url, helpers):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/build")
        helpers.wait_for_app(page, timeout_ms=60_000)
        page.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(r"^GAN generator$")).click()
        helpers.wait_for_app(page)
        page.locator("[data-testid='stSidebarNav'] a", has_text="Train").first.click()
        page.wait_for_url(re.compile(r"/train(\?|$)"), timeout=15_000)  # the address carries the setup
        main = page.get_by_test_id("stMainBlockContainer")  # not the header's Stop (of a script run)
        start, stop = main.get_by_role("button", name="Start"), main.get_by_role("button", name="Stop")
        start.wait_for(timeout=60_000)
        helpers.wait_for_app(page)
        page.locator("summary", has_text="Data and settings").click()
        epochs = page.get_by_role("spinbutton", name="epochs")
        epochs.fill("5000")  # far longer than the test: the pair is still training at the end
        epochs.press("Enter")
        helpers.wait_for_app(page)
        page.locator("summary", has_text="Data and settings").click()  # folded away again, as on a projector
        helpers.wait_for_app(page)
        start.click()
        page.locator(".st-key-sample_chart .js-plotly-plot").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # a few redraws in: both roles' losses and the generated points show
        helpers.assert_no_errors(page)
        before = {key: chart_picture(page, key) for key in CHARTS}
        page.wait_for_timeout(1000)
        after = {key: chart_picture(page, key) for key in CHARTS}
        for key in CHARTS:
            assert before[key] != after[key], f"{key} did not change in a second of training"
        for name, box in (
            ("Start", start.bounding_box()),
            ("Stop", stop.bounding_box()),
            *((key, page.locator(f".st-key-{key}").bounding_box()) for key in CHARTS),
        ):
            assert 0 <= box["y"] and box["y"] + box["height"] <= 720, f"{name} is below the fold: {box}"
        helpers.screenshot(page, "train-gan-1280x720")
        stop.click()
        helpers.wait_for_app(page)
    finally:
        context.close()
