"""The app in a real browser: drag layers into a model, train it on digits, watch the charts move."""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.e2e

MODEL = ".st-key-model_layers"
CARDS = f"{MODEL} [class*='st-key-card-']"


def model_cards(page) -> list[str]:
    """The model's layer cards, as their first line of text ("2 · Conv2d → 8×8×8")."""
    texts = page.locator(CARDS).all_inner_texts()
    return [t.strip().splitlines()[0] for t in texts]


def drag_layer(page, layer_type: str, y: float) -> None:
    """Drag the palette card of `layer_type` into the model, dropping it `y` pixels below the list's top.

    On a busy machine a drag can start while the page is still re-rendering and be lost; a student would
    simply drag again, and so does this (up to three times).
    """
    before = len(model_cards(page))
    # the drag-and-drop component marks each card it has wired up; before that a drag does nothing
    card = page.locator(f".stdnd-draggable:has(.st-key-palette-{layer_type})")
    grown = f'() => document.querySelectorAll("{CARDS}").length === {before + 1}'
    for attempt in range(3):
        card.wait_for(timeout=30_000)
        card.drag_to(page.locator(MODEL), target_position={"x": 60, "y": y}, steps=20)
        try:
            page.wait_for_function(grown, timeout=10_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


# Plotly keeps the decoded traces in _fullData (`data` may still hold the base64 arrays sent by Python).
def chart_points(page, key: str) -> list[int]:
    """Number of points in each trace of the Plotly chart drawn with `key`."""
    return page.evaluate(
        f"""() => {{
            const plot = document.querySelector('.st-key-{key} .js-plotly-plot');
            return plot && plot._fullData ? plot._fullData.map(t => (t.x || []).length) : [];
        }}"""
    )


def chart_y(page, key: str, trace: int) -> list[float]:
    plot = f"document.querySelector('.st-key-{key} .js-plotly-plot')"
    return page.evaluate(f"() => Array.from({plot}._fullData[{trace}].y || [])")


def open_page(page, title: str, helpers) -> None:
    """Switch page through the sidebar, as a student would (a new URL would start a new session)."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.wait_for_url(re.compile(rf"/{title.lower()}(\?|$)"), timeout=15_000)  # its link may carry a setup
    helpers.wait_for_app(page)


def open_build_page(page, app_url: str, helpers) -> None:
    """Open Build and wait until drag and drop is wired up. On a busy machine the component sometimes
    misses the first render; a reload (what a student would do) wires it."""
    for attempt in range(2):
        page.goto(f"{app_url}/build")
        page.locator(CARDS).first.wait_for(timeout=60_000)
        helpers.wait_for_app(page)
        try:
            page.locator(".stdnd-draggable").first.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            if attempt == 1:
                raise


def test_drag_a_conv2d_and_a_linear_into_the_model_then_train_on_digits(page, app_url, helpers):
    open_build_page(page, app_url, helpers)
    start = model_cards(page)
    assert [c.split(" · ")[1].split(" ")[0] for c in start] == ["Flatten", "Linear", "ReLU", "Linear"]

    drag_layer(page, "Conv2d", y=6)  # to the very top: before Flatten
    page.wait_for_function(f"() => document.querySelector(\"{CARDS}\").innerText.includes('Conv2d')")
    helpers.wait_for_app(page)
    cards = model_cards(page)
    assert cards[0].startswith("1 · Conv2d → 8×8×8"), cards

    # drop the Linear between the ReLU (card 4) and the output Linear (card 5)
    relu, last = page.locator(CARDS).nth(3).bounding_box(), page.locator(CARDS).nth(4).bounding_box()
    top = page.locator(MODEL).bounding_box()["y"]
    drag_layer(page, "Linear", y=(relu["y"] + relu["height"] + last["y"]) / 2 - top)
    helpers.wait_for_app(page)
    types = [c.split(" · ")[1].split(" ")[0] for c in model_cards(page)]
    assert types == ["Conv2d", "Flatten", "Linear", "ReLU", "Linear", "Linear"], types
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "build")

    open_page(page, "Train", helpers)
    helpers.assert_no_errors(page)
    page.locator("summary", has_text="Data and settings").click()  # folded away, so the charts show
    epochs = page.get_by_role("spinbutton", name="epochs")
    epochs.fill("500")  # far longer than the test: a slow browser still sees it running, then Stop ends it
    epochs.press("Enter")
    helpers.wait_for_app(page)
    page.get_by_role("button", name="Start").click()

    # the loss chart gains points while training runs
    page.wait_for_function(
        "() => { const p = document.querySelector('.st-key-loss_chart .js-plotly-plot');"
        " return p && p._fullData && p._fullData.length && p._fullData[0].x.length > 0; }",
        timeout=15_000,
    )
    first = sum(chart_points(page, "loss_chart"))
    page.wait_for_function(
        "n => { const p = document.querySelector('.st-key-loss_chart .js-plotly-plot');"
        " return p._fullData.reduce((sum, t) => sum + t.x.length, 0) > n; }",
        arg=first,
        timeout=30_000,
    )
    helpers.screenshot(page, "train-running")

    # once validation accuracy has risen, Stop: the test results are shown
    page.wait_for_function(
        "() => { const p = document.querySelector('.st-key-accuracy_chart .js-plotly-plot');"
        " const y = p?._fullData?.[1]?.y;"
        " return y && y.length >= 2 && y[y.length - 1] > Math.max(0.8, y[0]); }",
        timeout=120_000,
    )
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Test results of").wait_for(timeout=60_000)
    helpers.wait_for_app(page)
    accuracy = chart_y(page, "accuracy_chart", 1)  # validation accuracy per scored epoch
    assert len(accuracy) >= 2 and accuracy[-1] > accuracy[0] and accuracy[-1] > 0.8
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "train-finished")

    # a reload is a new session: a clear, empty Train page rather than half of the old one
    page.reload()
    page.get_by_text("No run yet in this tab").wait_for(timeout=60_000)
    assert sum(chart_points(page, "loss_chart")) == 0
    helpers.assert_no_errors(page)


@pytest.mark.parametrize("title", ["Build", "Train", "2-D Playground", "Inspect", "Explain", "Adversarial"])
def test_every_page_opens_without_errors(page, app_url, helpers, title):
    page.goto(app_url)
    helpers.wait_for_app(page)
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    helpers.wait_for_app(page)
    page.wait_for_timeout(1000)
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, f"page-{title.lower().replace(' ', '-')}")


def test_on_a_1280x720_projector_the_run_bar_and_the_live_charts_need_no_scrolling(browser, app_url, helpers):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        page.goto(f"{app_url}/train")
        start = page.get_by_role("button", name="Start")
        start.wait_for(timeout=60_000)
        page.locator(".st-key-loss_chart .js-plotly-plot").wait_for(timeout=30_000)
        helpers.wait_for_app(page)
        helpers.assert_no_errors(page)
        for name, box in (
            ("Start", start.bounding_box()),
            ("Stop", page.get_by_role("button", name="Stop").bounding_box()),
            ("loss chart", page.locator(".st-key-loss_chart").bounding_box()),
            ("accuracy chart", page.locator(".st-key-accuracy_chart").bounding_box()),
        ):
            assert 0 <= box["y"] and box["y"] + box["height"] <= 720, f"{name} is below the fold: {box}"
        helpers.screenshot(page, "train-1280x720")
    finally:
        context.close()
