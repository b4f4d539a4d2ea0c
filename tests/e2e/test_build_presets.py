"""The Build page in a real browser: the model's name follows the preset loaded, Clear leaves it unnamed,
and the page's address is a link that reopens the model in another browser.

(AppTest cannot show this: there a replaced model's widgets always start afresh, while a browser sends
the old text back with the click unless the page re-seeds it.)
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

import dlcore

pytestmark = pytest.mark.e2e


def load_preset(page, app_url, helpers, preset: str):
    """Open Build, load `preset` with its pill; returns the model name's text box."""
    page.goto(f"{app_url}/build")
    helpers.wait_for_app(page, timeout_ms=60_000)
    # .last: while a rerun moves the box, Streamlit shows the old one (faded) beside the new one for a moment
    name = page.get_by_role("textbox", name="Model name").last
    expect(name).to_have_value("Digits MLP", timeout=90_000)
    page.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(f"^{preset}$")).click()
    expect(name).to_have_value(preset, timeout=30_000)
    return name


def model_name(url: str) -> str | None:
    """The name of the model in a Build link (None when the address holds no model)."""
    tokens = parse_qs(urlparse(url).query).get("model")
    return dlcore.links.unpack(tokens[0]).get("name") if tokens else None


def test_a_preset_names_the_model_and_clear_leaves_it_unnamed(page, app_url, helpers):
    name = load_preset(page, app_url, helpers, "Perceptron")
    expect(page.get_by_text("Training is set up for it")).to_be_visible()
    page.get_by_role("button", name="Clear").click()
    helpers.wait_for_app(page)
    expect(name).to_have_value("", timeout=30_000)
    helpers.assert_no_errors(page)


def test_the_address_of_the_build_page_reopens_the_model_in_a_fresh_browser(browser, page, app_url, helpers):
    name = load_preset(page, app_url, helpers, "LeNet-5")
    name.fill("Our class model")
    name.press("Enter")
    helpers.wait_for_app(page)
    page.wait_for_url(lambda url: model_name(url) == "Our class model", timeout=30_000)
    link = page.url

    fresh = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        other = fresh.new_page()
        other.goto(link)
        helpers.wait_for_app(other, timeout_ms=60_000)
        other_name = other.get_by_role("textbox", name="Model name").last
        expect(other_name).to_have_value("Our class model", timeout=90_000)
        expect(other.get_by_text(re.compile(r"^1 · Conv2d"))).to_be_visible()
        expect(other.get_by_text(re.compile(r"^8 · Linear"))).to_be_visible()
        helpers.assert_no_errors(other)
    finally:
        fresh.close()
