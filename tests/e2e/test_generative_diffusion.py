"""The diffusion family in a real browser: Play trains it, and while it trains its views change (the
particles step from noise to the data, the quality curve gains points); the views fit a 1280×720 projector.
Screenshots (above the fold at 1280×720, and the whole page) are saved for a person to look at."""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("DLP_SHOTS", "/work/wt/shots")  # where the reviewer looks, besides test-artifacts/

TITLES = "() => Array.from(document.querySelectorAll('.steady-chart .gtitle')).map((e) => e.textContent)"


def titles(page) -> list[str]:
    return page.evaluate(TITLES)


def keep_shot(path, name: str) -> None:
    if os.path.isdir(SHOTS):
        shutil.copy(path, os.path.join(SHOTS, f"gen-diffusion-{name}.png"))


@pytest.mark.parametrize("data", ["ring", "digits"])
def test_diffusion_trains_and_its_views_move_while_it_trains(app_url, browser, helpers, data):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/generative?family=diffusion&data={data}&f.t=40")
        helpers.wait_for_app(page, timeout_ms=120_000)
        page.wait_for_selector(".steady-chart .gtitle", timeout=120_000)  # the views of the untrained model
        page.get_by_role("button", name="Play").click(timeout=60_000)
        page.wait_for_function(
            "() => /step [1-9]\\d* · running/.test(document.body.innerText)", timeout=120_000
        )
        seen, deadline = set(), time.monotonic() + 90  # a generous wait on a busy machine, not a timing
        while time.monotonic() < deadline and len(seen) < 4:
            seen.update(
                t
                for t in titles(page)
                if t.startswith(("From noise to data: step", "Samples from noise: step"))
            )
            page.wait_for_timeout(150)
        assert len(seen) >= 4, f"the way from noise to data did not move: {seen}"
        if data == "ring":
            page.wait_for_function(
                "() => Array.from(document.querySelectorAll('.steady-chart')).some((c) =>"
                " c.querySelector('.gtitle')?.textContent.startsWith('Sample quality') &&"
                " (c.querySelector('.scatterlayer .js-line')?.getAttribute('d') || '').includes('L'))",
                timeout=120_000,
            )
            assert any(t.startswith("Denoising direction at t = 40") for t in titles(page))
        helpers.assert_no_errors(page)
        fold = ARTIFACTS / f"generative-diffusion-{data}-fold.png"
        page.screenshot(path=str(fold))  # the window only: what a projector shows without scrolling
        keep_shot(fold, f"{data}-fold")
        keep_shot(helpers.screenshot(page, f"generative-diffusion-{data}"), data)
    finally:
        context.close()
