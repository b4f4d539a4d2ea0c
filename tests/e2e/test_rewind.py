"""Rewind on the 2-D playground in a real browser: after some training the slider takes the boundary back
to the untrained network's, and back to live."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_playground import PLANE, SHARED, _boundary_picture, _open

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1280, "height": 720}
SLIDER = ".st-key-pg-rewind-A input[type='range']"
BOUNDARY_IS = (
    "([selector, href, same]) => (document.querySelector(selector)?.getAttribute('href') === href) === same"
)


def wait_boundary(page, picture: str, same: bool = True) -> None:
    """Wait until the boundary drawn is (or is no longer) `picture`."""
    page.wait_for_function(BOUNDARY_IS, arg=[f"{PLANE} .js-plotly-plot image", picture, same], timeout=30_000)


def test_the_slider_takes_the_boundary_back_to_step_0_and_back_to_live(browser, helpers, app_url):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    _open(page, helpers, app_url, SHARED)
    untrained = _boundary_picture(page)
    for _ in range(3):
        page.get_by_role("button", name="Step").click()
        helpers.wait_for_app(page)
    page.locator(SLIDER).wait_for(timeout=30_000)  # the moments kept appear within a few seconds
    wait_boundary(page, untrained, same=False)

    page.locator(SLIDER).focus()
    page.keyboard.press("Home")  # the first moment kept: the weights training started from
    page.get_by_text("Rewound to step").wait_for(timeout=15_000)
    wait_boundary(page, untrained)
    helpers.assert_no_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "learning-landscape-rewind-playground.png"))

    page.locator(SLIDER).focus()
    page.keyboard.press("End")  # live (its last epoch may still be training: any boundary but the first)
    page.get_by_text("Rewound to step").wait_for(state="detached", timeout=15_000)
    wait_boundary(page, untrained, same=False)
    context.close()
