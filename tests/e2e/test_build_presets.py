"""Presets in a real browser: the model's name follows the preset loaded, and Clear leaves it unnamed.

(AppTest cannot show this: there a replaced model's widgets always start afresh, while a browser sends
the old text back with the click unless the page re-seeds it.)
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_preset_names_the_model_and_clear_leaves_it_unnamed(page, app_url, helpers):
    page.goto(f"{app_url}/build")
    helpers.wait_for_app(page, timeout_ms=60_000)
    name = page.get_by_role("textbox", name="Model name")
    expect(name).to_have_value("Digits MLP", timeout=90_000)
    page.locator("[data-testid='stButtonGroup'] button", has_text=re.compile(r"^Perceptron$")).click()
    expect(name).to_have_value("Perceptron", timeout=30_000)
    expect(page.get_by_text("Training is set up for it")).to_be_visible()
    page.get_by_role("button", name="Clear").click()
    helpers.wait_for_app(page)
    expect(name).to_have_value("", timeout=30_000)
    helpers.assert_no_errors(page)
