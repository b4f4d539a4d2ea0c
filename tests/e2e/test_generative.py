"""The Generative page in a real browser at 1280×720: the autoencoder and the VAE train live from a link,
their views sit above the fold and keep changing while they train; your own points start with a hint, not
an error. Screenshots are saved under test-artifacts/ for a person to look at."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e

VIEWS = ".st-key-gen-views .js-plotly-plot"
# What every chart of the views shows now: its traces' numbers, as one string to compare.
DRAWN = f"""() => Array.from(document.querySelectorAll('{VIEWS}')).map(
    (chart) => JSON.stringify((chart.data || []).map((trace) => [trace.x, trace.y, trace.z]))
)"""


@pytest.fixture
def projector(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context.new_page()
    context.close()


def _open(page, helpers, app_url: str, query: str, charts: int) -> None:
    page.goto(f"{app_url}/generative?{query}")
    helpers.wait_for_app(page)
    page.wait_for_function(
        f"() => document.querySelectorAll('{VIEWS} .main-svg').length >= {charts}", timeout=60_000
    )
    helpers.assert_no_errors(page)


def _changes(page, before: list[str], timeout_s: float = 30) -> list[str]:
    """Wait until every chart but the loss chart differs from `before`; return what they show then."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = page.evaluate(DRAWN)
        if len(now) == len(before) and all(a != b for a, b in zip(now, before, strict=True)):
            return now
        time.sleep(0.3)
    changed = [a != b for a, b in zip(page.evaluate(DRAWN), before, strict=False)]
    raise AssertionError(f"the views did not all change while training: {changed}")


def _above_the_fold(page, selector: str, indices: tuple[int, ...]) -> None:
    for index in indices:
        box = page.locator(selector).nth(index).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720, f"chart {index} is below the fold: {box}"


@pytest.mark.parametrize(
    ("query", "charts", "top_row", "shot"),
    [  # the charts of the views' first row, in the page's order (the left column's, then the right's)
        ("data=digits&family=vae&f.beta=1", 5, (0, 3), "generative-vae-digits"),
        ("data=ring&family=autoencoder", 4, (0, 2), "generative-autoencoder-ring"),
    ],
)
def test_the_family_trains_live_and_its_views_change_while_it_trains(
    projector, helpers, app_url, query, charts, top_row, shot
):
    page = projector
    _open(page, helpers, app_url, query, charts)
    _above_the_fold(page, VIEWS, top_row)  # the latent space and the main view beside it
    assert page.get_by_role("button", name="Play").bounding_box()["y"] < 720
    before = page.evaluate(DRAWN)
    page.get_by_role("button", name="Play").click()
    during = _changes(page, before)
    _changes(page, during)  # and on: the views follow the training, not one redraw after Play
    page.screenshot(path=str(helpers.screenshot(page, f"{shot}-training").with_name(f"{shot}-1280x720.png")))
    page.get_by_role("button", name="Pause").click()
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)


def test_your_own_points_start_with_a_hint_to_click_not_an_error(projector, helpers, app_url):
    page = projector
    page.goto(f"{app_url}/generative?data=points")
    helpers.wait_for_app(page)
    page.get_by_text("at least 10 points").first.wait_for(timeout=30_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)  # the plane to click on
    page.wait_for_timeout(500)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "generative-own-points")
