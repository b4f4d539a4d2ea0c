"""The 2-D playground in a real browser: a shared link opens the same setup, Play trains it live, the
boundary moves, the test loss falls; clicking a weight lets you type a new one; clicking the plane adds
your own points."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.e2e

SHARED = (
    "dataset=circle&noise=0&ratio=50&seed=7&features=x1,x2&layers=4,2&act=tanh&lr=0.03&opt=sgd"
    "&loss=auto&init=default&reg=none&rate=0&batch=10&showtest=1"
)
PLANE = ".st-key-pg-output-A"
NETWORK = ".st-key-pg-network-A"


def _number(page, selector: str) -> float:
    text = page.locator(selector).first.inner_text()
    return float(re.sub(r"[^0-9.]", "", text.split()[-1]) or "nan")


def _boundary_picture(page) -> str:
    """The decision-boundary image (a PNG data URI) currently drawn on the output plane."""
    return page.locator(f"{PLANE} .js-plotly-plot image").first.get_attribute("href")


def _open(page, helpers, app_url: str, query: str) -> None:
    page.goto(f"{app_url}/playground?{query}")
    helpers.wait_for_app(page)
    page.wait_for_selector(f"{PLANE} .js-plotly-plot image", timeout=60_000)


def test_a_shared_link_trains_live_and_the_test_loss_falls(page, helpers, app_url):
    _open(page, helpers, app_url, SHARED)
    helpers.assert_no_errors(page)
    # the link is kept as it was shared (same setup, same seed)
    kept = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert kept["seed"] == "7" and kept["layers"] == "4,2" and kept["showtest"] == "1"
    before = _boundary_picture(page)
    assert _number(page, ".pg-epoch") == 0

    page.get_by_role("button", name="Play").click()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not _number(page, ".pg-test") < 0.1:
        time.sleep(0.5)
    assert _number(page, ".pg-test") < 0.1, "test loss on circle should fall below 0.1"
    assert _number(page, ".pg-epoch") > 0
    assert _boundary_picture(page) != before  # the boundary was redrawn as it learned

    page.get_by_role("button", name="Pause").click()
    helpers.wait_for_app(page)
    time.sleep(1)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "playground-trained")


def test_clicking_a_weight_lets_you_type_a_new_value(page, helpers, app_url):
    _open(page, helpers, app_url, SHARED)
    chart = page.locator(f"{NETWORK} .js-plotly-plot").first
    # trace 0 holds a click point per weight and bias; click the first weight's point
    box = chart.locator(".scatterlayer .trace").first.locator(".point").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    editor = page.get_by_label(re.compile("New value for the weight"))
    editor.wait_for(timeout=30_000)
    editor.fill("2.5")
    page.get_by_role("button", name="Set value").click()
    helpers.wait_for_app(page)
    # the first weight's hover card now reads 2.500 (plotly keeps the drawn data on the chart element)
    page.wait_for_function(
        f"() => document.querySelector('{NETWORK} .js-plotly-plot').data[0].hovertext[0].includes('2.500')",
        timeout=15_000,
    )
    helpers.assert_no_errors(page)


def test_clicking_the_plane_adds_your_own_points(page, helpers, app_url):
    from playwright.sync_api import TimeoutError as PageTimeout

    _open(page, helpers, app_url, "dataset=points")
    box = page.locator(f"{PLANE} .js-plotly-plot .nsewdrag").first.bounding_box()
    for i, (fx, fy) in enumerate([(0.25, 0.25), (0.75, 0.75), (0.3, 0.7)]):
        # each point is 4 characters of the link's "points" parameter
        added = f"() => (new URLSearchParams(location.search).get('points') || '').length >= {4 * (i + 1)}"
        for attempt in range(2):  # a click that lands while the page is redrawing is dropped: once more
            page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            try:
                page.wait_for_function(added, timeout=15_000)
                break
            except PageTimeout:
                if attempt:
                    raise
        helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    assert "3 points" in page.locator("body").inner_text()
    helpers.screenshot(page, "playground-own-points")


def test_an_uploaded_csv_becomes_the_data_and_trains(page, helpers, app_url, tmp_path):
    rows = ["x1,x2,label"] + [f"{x},{y},{'in' if x * x + y * y < 9 else 'out'}" for x in range(-5, 6, 2)
                              for y in range(-5, 6, 2)]  # fmt: skip
    csv = tmp_path / "ring.csv"
    csv.write_text("\n".join(rows))
    _open(page, helpers, app_url, "dataset=points")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv))
    page.wait_for_function(
        "() => (new URLSearchParams(location.search).get('points') || '').length >= 4 * 36"
    )
    page.wait_for_selector(f"{NETWORK} .js-plotly-plot", timeout=60_000)  # enough points: a network to train
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    assert "36 points" in page.locator("body").inner_text()


# Text cut short: a one-line label narrower than its text (an ellipsis: "Re…"), or a word wider than its
# label, which the browser breaks mid-word ("Hidd/en/layer/s").
CUT_LABELS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const cut = [];
  for (const e of document.querySelectorAll(
      '[data-testid=stMain] [data-testid=stWidgetLabel] p, [data-testid=stMain] button p')) {
    const box = e.getBoundingClientRect();
    if (!box.width) continue;  // hidden (a closed popover)
    const style = getComputedStyle(e);
    ctx.font = style.font;
    const longest = Math.max(...e.innerText.split(/\\s+/).map(w => ctx.measureText(w).width));
    const oneLine = box.height < 1.6 * parseFloat(style.lineHeight || style.fontSize);
    if (longest > box.width + 1 || (oneLine && ctx.measureText(e.innerText).width > box.width + 1)) {
      cut.push(e.innerText);
    }
  }
  return cut;
}"""


@pytest.mark.parametrize("query", ["", "compare=1&b.act=relu"], ids=["one network", "A/B"])
def test_on_a_projector_the_run_bar_and_a_large_boundary_are_above_the_fold(browser, helpers, app_url, query):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/playground?{query}")
        helpers.wait_for_app(page)
        planes = [f".st-key-pg-output-{side} .js-plotly-plot" for side in ("AB" if query else "A")]
        for plane in planes:
            page.wait_for_selector(f"{plane} image", timeout=60_000)
        page.wait_for_timeout(500)  # let the charts settle at their final width
        for button in ("Play", "Step", "Reset"):
            box = page.get_by_role("button", name=button).bounding_box()
            assert box["y"] + box["height"] <= 720, f"{button} is below the fold"
        for plane in planes:
            box = page.locator(plane).first.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= 720, (
                f"the boundary is not above the fold: {box}"
            )
            assert box["width"] >= (400 if not query else 320), f"the boundary is too small: {box}"
        assert page.evaluate(CUT_LABELS) == []
        helpers.screenshot(page, f"playground-1280x720{'-ab' if query else ''}")
    finally:
        context.close()


# Runs in the page: on every frame the browser paints, note each panel (output plane and network, A and B)
# that shows no drawn chart; stops after `frames` frames and resolves to [frames seen, blank panels].
BLANK_FRAMES = """(frames) => new Promise((resolve) => {
    const blank = [];
    let seen = 0;
    const look = () => {
        seen += 1;
        for (const side of ['A', 'B']) for (const panel of ['output', 'network']) {
            const chart = document.querySelector(`.st-key-pg-${panel}-${side} .js-plotly-plot`);
            const drawn = chart && chart.querySelector('.main-svg .trace');
            if (!drawn) blank.push(`${panel} ${side} in frame ${seen}`);
        }
        if (seen < frames) requestAnimationFrame(look); else resolve([seen, blank]);
    };
    requestAnimationFrame(look);
})"""


def test_comparing_two_networks_never_blanks_a_chart_while_playing(browser, helpers, app_url):
    """Every live redraw replaces a drawn chart with a drawn chart: no painted frame shows an empty panel."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/playground?compare=1&b.act=relu")
        helpers.wait_for_app(page)
        for side in "AB":
            page.wait_for_selector(f".st-key-pg-output-{side} .js-plotly-plot image", timeout=60_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function("() => document.querySelector('.pg-epoch').innerText.match(/[1-9]/)")
        frames, blank = page.evaluate(BLANK_FRAMES, 40)
        assert frames == 40
        assert _number(page, ".pg-epoch") > 0  # it was still playing
        helpers.screenshot(page, "playground-ab-playing")
        assert blank == [], f"a panel was empty while playing: {blank}"
    finally:
        context.close()
