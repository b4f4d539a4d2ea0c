"""The Generative page's GAN in a real browser at projector size: its views change while it trains, a
discriminator step alone repaints the verdict but leaves the generated points where they are, a generator
step alone moves them, and on digits the 16 fixed samples change as it learns."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1280, "height": 720}

# The data of the chart whose title starts with `title`: its traces' x, y and z, as plotly holds them.
CHART_DATA = """(title) => {
  const chart = [...document.querySelectorAll('.steady-chart')]
    .find((c) => (c.layout?.title?.text ?? '').startsWith(title));
  return chart ? JSON.stringify(chart.data.map((t) => [t.x, t.y, t.z])) : null;
}"""
STEP = "() => parseInt(document.querySelector('.gan-step')?.dataset.step ?? '-1')"


def chart(page, title: str) -> str:
    page.wait_for_function(f"() => ({CHART_DATA})({title!r}) !== null", timeout=60_000)
    return page.evaluate(CHART_DATA, title)


def traces(page, title: str) -> list:
    import json

    return json.loads(chart(page, title))


def wait_for_step(page, step: int) -> None:
    page.wait_for_function(f"() => ({STEP})() >= {step}", timeout=60_000)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"generative-gan-{name}.png"))


@pytest.fixture
def projector(browser):
    context = browser.new_context(viewport=PROJECTOR)
    yield context.new_page()
    context.close()


def test_the_gan_views_change_while_it_trains_and_each_player_steps_alone(projector, helpers, app_url):
    page = projector
    page.goto(f"{app_url}/generative?family=gan&data=ring")
    helpers.wait_for_app(page, timeout_ms=90_000)
    before = {title: chart(page, title) for title in ("D(x)", "Latent grid", "Losses")}
    for title in ("D(x)", "Latent grid"):  # the plane views, whole, above a projector's fold
        box = page.locator(".steady-chart").filter(has_text=title).first.bounding_box()
        assert box["y"] + box["height"] <= PROJECTOR["height"], (title, box)
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 200)
    page.wait_for_timeout(1000)
    for title, was in before.items():
        assert chart(page, title) != was, f"the {title} view did not change while training"
    helpers.assert_no_errors(page)
    shot(page, "ring")

    page.get_by_role("button", name="Pause").click()
    helpers.wait_for_app(page)
    page.wait_for_timeout(2500)  # a paused run is polled once a second: the views catch up with it
    step = page.evaluate(STEP)
    heat, real, fake, push = traces(page, "D(x)")
    page.get_by_role("button", name="Step D").click()
    wait_for_step(page, step + 1)
    page.wait_for_timeout(2500)
    heat_after, _, fake_after, _ = traces(page, "D(x)")
    assert heat_after[2] != heat[2] and fake_after[:2] == fake[:2]  # the verdict moved, the points did not
    page.get_by_role("button", name="Step G").click()
    wait_for_step(page, step + 2)
    page.wait_for_timeout(2500)
    assert traces(page, "D(x)")[2][:2] != fake_after[:2]  # a generator step moves the points
    helpers.assert_no_errors(page)


def test_the_same_16_digits_sharpen(projector, helpers, app_url):
    page = projector
    page.goto(f"{app_url}/generative?family=gan&data=digits")
    helpers.wait_for_app(page, timeout_ms=90_000)
    before = chart(page, "The same 16")
    page.get_by_role("button", name="Play").click()
    wait_for_step(page, 100)
    page.wait_for_timeout(1000)
    assert chart(page, "The same 16") != before
    helpers.assert_no_errors(page)
    shot(page, "digits")
