"""Inspect, Explain and Adversarial in a real browser: quick model, drawing a digit, clicking a confusion
cell, attribution maps, the cheating lesson and an attack — with screenshots to look at."""

import io

import pytest

pytestmark = pytest.mark.e2e


def open_page(page, title: str, helpers) -> None:
    """Switch page through the sidebar, keeping the session (a new URL would start a new one)."""
    page.locator("[data-testid='stSidebarNav'] a", has_text=title).first.click()
    page.wait_for_url(f"**/{title.lower()}", timeout=15_000)
    helpers.wait_for_app(page)


def click_button(page, key: str, helpers, timeout_ms: int = 60_000) -> None:
    page.locator(f".st-key-{key} button").click()
    page.wait_for_timeout(300)
    helpers.wait_for_app(page, timeout_ms)


def plot_count(page) -> int:
    return page.locator(".js-plotly-plot").count()


def train_quick_model(page, app_url, helpers) -> None:
    page.goto(f"{app_url}/inspect")
    helpers.wait_for_app(page, 60_000)
    click_button(page, "inspect_quick", helpers)
    page.get_by_text("quick digits CNN").first.wait_for(timeout=60_000)


def test_inspect_layers_history_and_confusion_cells(page, app_url, helpers):
    train_quick_model(page, app_url, helpers)
    page.locator(".st-key-inspect_map_conv2d2 .js-plotly-plot").wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "inspect-layers")

    page.get_by_role("tab", name="Over training time").click()
    page.locator(".st-key-inspect_bands .js-plotly-plot").wait_for(timeout=30_000)
    page.locator(".st-key-inspect_history_kind").get_by_text("gradient").click()
    page.get_by_text("conv2d1 gradient histograms over training").wait_for(timeout=30_000)
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "inspect-over-time")

    page.get_by_role("tab", name="Confusion matrix").click()
    chart = page.locator(".st-key-inspect_confusion .js-plotly-plot")
    chart.wait_for(timeout=30_000)
    # Click the cell (true 3, predicted 3) through Plotly's own event path, as a mouse click would.
    box = chart.locator(".nsewdrag").first.bounding_box()
    x = box["x"] + box["width"] * (3.5 / 10)
    y = box["y"] + box["height"] * (3.5 / 10)
    page.mouse.click(x, y)
    page.get_by_text("test examples of 3 predicted as 3").wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "inspect-confusion-cell")


def test_draw_a_digit_and_see_the_prediction(page, app_url, helpers):
    train_quick_model(page, app_url, helpers)
    page.locator(".st-key-inspect_source").get_by_text("Draw").click()
    helpers.wait_for_app(page)
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(timeout=30_000)
    box = canvas.bounding_box()
    # A "7": a bar across the top, then a stroke down to the bottom left.
    page.mouse.move(box["x"] + 50, box["y"] + 45)
    page.mouse.down()
    for x, y in ((110, 45), (170, 45), (140, 110), (110, 180)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=12)
    page.mouse.up()
    page.get_by_text("Your drawing").wait_for(timeout=30_000)
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "inspect-drawn-digit")


def png_of_a_one() -> bytes:
    """A photo-like picture: a dark "1" on white paper, larger than the dataset's images."""
    from PIL import Image, ImageDraw

    picture = Image.new("L", (120, 160), 255)
    ImageDraw.Draw(picture).line([(60, 20), (60, 140)], fill=0, width=14)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_a_picture_and_a_file_that_is_not_one(page, app_url, helpers):
    train_quick_model(page, app_url, helpers)
    page.locator(".st-key-inspect_source").get_by_text("Upload").click()
    helpers.wait_for_app(page)
    upload = page.locator(".st-key-inspect_upload input[type=file]")
    upload.set_input_files(files=[{"name": "one.png", "mimeType": "image/png", "buffer": png_of_a_one()}])
    page.get_by_text("Your picture (one.png)").wait_for(timeout=30_000)
    helpers.wait_for_app(page)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "inspect-uploaded")

    upload.set_input_files(files=[{"name": "notes.png", "mimeType": "image/png", "buffer": b"not a picture"}])
    page.get_by_text("not an image we can read").wait_for(timeout=30_000)
    assert "Traceback" not in page.content()


def test_explain_maps_sanity_check_and_cheating_lesson(page, app_url, helpers):
    train_quick_model(page, app_url, helpers)
    open_page(page, "Explain", helpers)
    page.locator(".st-key-explain_grid .js-plotly-plot").wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "explain-maps")

    page.get_by_role("tab", name="Sanity check").click()
    click_button(page, "explain_sanity_run", helpers)
    page.locator(".st-key-explain_sanity_fig .js-plotly-plot").wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "explain-sanity")

    page.get_by_role("tab", name="The cheating model").click()
    click_button(page, "explain_lesson_train", helpers, timeout_ms=120_000)
    page.locator(".st-key-explain_lesson_honest .js-plotly-plot").wait_for(timeout=120_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "explain-cheating-lesson")


def test_adversarial_attack_curve_and_robust_copy(page, app_url, helpers):
    train_quick_model(page, app_url, helpers)
    open_page(page, "Adversarial", helpers)
    page.locator(".st-key-adversarial_triplet .js-plotly-plot").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Adversarial training").click()
    page.get_by_role("button", name="Train a robust copy").click()  # by role: its tooltip doubles the button
    # The copy trains as a job: its progress line, above its live charts, says when it has finished.
    page.get_by_text("Robust copy · ").filter(has_text="finished").wait_for(timeout=120_000)
    helpers.screenshot(page, "adversarial-training")
    page.get_by_role("tab", name="Accuracy as the attack grows").click()
    click_button(page, "adversarial_measure", helpers, timeout_ms=120_000)
    page.locator(".st-key-adversarial_curve .js-plotly-plot").wait_for(timeout=60_000)
    # Two curves: the model and its adversarially trained copy.
    page.wait_for_function(
        "() => document.querySelector('.st-key-adversarial_curve .js-plotly-plot')._fullData.length === 2",
        timeout=60_000,
    )
    helpers.assert_no_errors(page)
    assert plot_count(page) >= 2
    helpers.screenshot(page, "adversarial")
