"""The Learning page's loss landscape in a real browser (through its test page, which trains the Digits
MLP preset first): measured with a progress bar, drawn as a line, contours and a surface, projector-sized."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS, running_app

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1280, "height": 720}


@pytest.fixture(scope="module")
def landscape_url():
    with running_app("landscape-server", script="tests/ui/learning/landscape_app.py") as url:
        yield url


def shot(page, name: str) -> None:
    """The window as the class sees it (1280×720), for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"learning-landscape-{name}.png"))


def test_the_landscape_is_measured_and_drawn_above_the_fold(browser, helpers, landscape_url):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.goto(f"{landscape_url}/?train=digits_mlp")
    helpers.wait_for_app(page, timeout_ms=90_000)
    page.get_by_text("Press Measure the landscape").wait_for()
    page.get_by_role("button", name="Measure the landscape").click()
    page.locator(".js-plotly-plot").nth(2).wait_for(timeout=60_000)
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    assert page.locator(".js-plotly-plot .contourlayer").count() == 1
    assert page.locator(".js-plotly-plot [id^='scene']").count() == 1  # the surface: a 3-D scene
    charts = page.locator(".js-plotly-plot")
    for i in range(3):  # the line, the contours and the surface, whole, above a projector's fold
        box = charts.nth(i).bounding_box()
        assert box["y"] + box["height"] <= PROJECTOR["height"], box
    assert "start:" in charts.nth(0).inner_text() and "now:" in charts.nth(0).inner_text()
    shot(page, "random")

    page.get_by_text("Training path", exact=True).click()
    page.get_by_role("button", name="Measure the landscape").click()
    page.get_by_text("on the plane of the training path.").wait_for(timeout=60_000)
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    assert "start" in charts.nth(1).inner_text()  # the path's first weights are marked on the contours
    shot(page, "path")
    context.close()
