"""The Sequences page's attention and language tabs in a real browser, at projector size: the maps of a
transformer learning `reverse` change live until the anti-diagonal shows, above the fold; a prompt with a
character the text lacks is named."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e
PROJECTOR = {"width": 1280, "height": 720}
MAPS = ".st-key-seq-attention-maps .js-plotly-plot"

# The largest share of attention a head puts on the mirror position (row i, column 7 - i), read from the
# drawn heatmap (Plotly keeps its decoded copy in _fullData): tiles of 8 x 8 cells, 3 blank cells apart.
MIRROR_JS = f"""() => {{
  const plot = document.querySelector("{MAPS}");
  if (!plot || !plot._fullData) return -1;
  const z = plot._fullData[0].z, tiles = (z[0].length + 3) / 11;
  let best = 0;
  for (let t = 0; t < tiles; t++) {{
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += z[i][t * 11 + 7 - i];
    best = Math.max(best, sum / 8);
  }}
  return best;
}}"""


def shot(page, name: str) -> None:
    """The window as the class sees it (1280×720), for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / f"sequences-{name}.png"))


def test_attention_maps_update_live_until_the_anti_diagonal_shows(browser, helpers, app_url):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.goto(f"{app_url}/sequences?tab=attention&attention.epochs=400")
    helpers.wait_for_app(page, timeout_ms=90_000)
    page.locator(MAPS).wait_for(timeout=180_000)  # a first visit loads plotly.js; a busy CI is slow
    page.wait_for_function(f"() => ({MIRROR_JS})() >= 0", timeout=30_000)
    untrained = page.evaluate(MIRROR_JS)
    assert untrained < 0.4
    box = page.locator(MAPS).bounding_box()
    assert box["y"] + 0.5 * box["height"] < PROJECTOR["height"], box  # the maps are what the class sees
    shot(page, "attention-untrained")

    page.locator(".st-key-seq-attention-start button").first.click()
    # the same chart is redrawn while the run trains, until a head reads each digit's mirror position
    page.wait_for_function(f"() => ({MIRROR_JS})() > 0.6", timeout=120_000, polling=500)
    assert "validation accuracy" in page.get_by_text("This input's answer").inner_text()
    helpers.assert_no_errors(page)
    shot(page, "attention-live")
    page.locator(".st-key-seq-attention-stop button").first.click()
    helpers.wait_for_app(page)
    context.close()


def test_a_prompt_with_characters_the_text_lacks_is_named(browser, helpers, app_url):
    context = browser.new_context(viewport=PROJECTOR)
    page = context.new_page()
    page.goto(f"{app_url}/sequences?tab=language")
    helpers.wait_for_app(page, timeout_ms=90_000)
    prompt = page.get_by_role("textbox", name="Prompt")
    prompt.fill("Zebra & fox")
    prompt.press("Enter")
    helpers.wait_for_app(page)
    warning = page.get_by_text("the model has never seen")
    warning.wait_for(timeout=30_000)
    assert "'Z'" in warning.inner_text() and "'&'" in warning.inner_text()
    assert prompt.input_value() == "Zebra & fox"  # what the student typed stays
    helpers.assert_no_errors(page)
    shot(page, "language-unknown-characters")
    context.close()
