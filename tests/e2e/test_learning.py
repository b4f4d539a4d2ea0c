"""The Learning page in a real browser at projector size: stepping backprop, racing the optimizers (the
animation plays every frame), finding a learning rate and handing it to the Train page; screenshots of
each at 1280×720 to look at (test-artifacts/, and $DLP_SHOTS when set)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

# Counts the animation's frames as the browser draws them (Plotly's own events), and when it ended.
COUNT_FRAMES = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  window.raceFrames = []; window.raceDone = false;
  plot.on('plotly_animatingframe', () => window.raceFrames.push(performance.now()));
  plot.on('plotly_animated', () => { window.raceDone = true; });
}"""


def shot(page, helpers, name: str) -> None:
    """The window as the class sees it (1280×720), and the whole page for the test's artifacts."""
    folder = os.environ.get("DLP_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"learning-tools-{name}.png"))
    helpers.screenshot(page, f"learning-{name}")


def open_learning(page, app_url, helpers, query: str = "") -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/learning{query}")
    helpers.wait_for_app(page, 60_000)
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)


def click(page, helpers, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_timeout(300)
    helpers.wait_for_app(page)


def test_backprop_steps_forward_then_backward_with_the_chain_rule_written_out(page, app_url, helpers):
    open_learning(page, app_url, helpers)
    for _ in range(5):  # three neurons forward, the loss, the output neuron backward
        click(page, helpers, "Next ▶")
    page.get_by_text("Backward: out1").wait_for(timeout=10_000)
    page.get_by_text("∂L/∂w2[1,1] = ∂L/∂a · ∂a/∂z · ∂z/∂w2[1,1]").first.wait_for(timeout=10_000)
    helpers.assert_no_errors(page)
    shot(page, helpers, "backprop")
    click(page, helpers, "Show all")
    page.get_by_text("Update (SGD, lr = 0.5)").wait_for(timeout=10_000)
    shot(page, helpers, "backprop-update")


def test_the_race_plays_every_frame_in_the_browser(page, app_url, helpers):
    open_learning(page, app_url, helpers, "?tool=race")
    page.get_by_text("paths from the same start").wait_for(timeout=30_000)
    page.evaluate(COUNT_FRAMES)
    page.locator(".updatemenu-button").first.click()  # ▶ Play
    page.wait_for_function("() => window.raceDone", timeout=60_000)
    frames = page.evaluate("() => window.raceFrames.length")
    assert frames >= 40  # the whole race was drawn, frame by frame
    helpers.assert_no_errors(page)
    shot(page, helpers, "race")


def test_a_start_off_the_map_gets_a_message_in_the_browser(page, app_url, helpers):
    open_learning(page, app_url, helpers, "?tool=race&surface=bowl&start=9,0")
    page.get_by_text("is off the Ill-conditioned bowl map").wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    shot(page, helpers, "race-bad-start")


def test_the_finder_suggests_a_rate_and_hands_it_to_the_train_page(page, app_url, helpers):
    open_learning(page, app_url, helpers, "?tool=lr_finder")
    click(page, helpers, "Find a learning rate")
    page.get_by_text("Suggested learning rate").wait_for(timeout=60_000)
    use = page.get_by_role("button", name="on the Train page")
    value = re.search(r"Use (\S+) on", use.inner_text()).group(1)
    helpers.assert_no_errors(page)
    shot(page, helpers, "lr-finder")
    use.click()
    page.get_by_text(f"The Train page's learning rate is now {value}").wait_for(timeout=10_000)
    page.locator("[data-testid='stSidebarNav'] a", has_text="Train").click()
    page.wait_for_url("**/train**", timeout=30_000)
    helpers.wait_for_app(page, 60_000)
    # the Train page's link carries its settings: the learning rate is the one the finder suggested
    page.wait_for_function(f"() => new URLSearchParams(location.search).get('lr') === '{value}'")
