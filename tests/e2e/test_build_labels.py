"""The Build page's layer form on a projector (1280x720): no field's label is cut short with "…"."""

import pytest
from playwright.sync_api import expect

import dlcore

pytestmark = pytest.mark.e2e

# labels wider than their box: Streamlit ends them in "…" (text-overflow) instead of wrapping them
CUT_LABELS = """() => [...document.querySelectorAll(
    '[data-testid="stWidgetLabel"] [data-testid="stMarkdownContainer"]'
)].filter(label => label.scrollWidth > label.clientWidth + 1).map(label => label.textContent)"""


@pytest.mark.parametrize("kind", ["SelectiveSSM", "LSTM"])
def test_every_label_of_a_sequence_layers_form_is_whole_at_1280x720(page, app_url, helpers, kind):
    page.set_viewport_size({"width": 1280, "height": 720})
    spec = {"input_shape": [30, 1], "layers": [{"type": kind, "hidden_size": 16}]}
    page.goto(f"{app_url}/build?model={dlcore.links.pack(spec)}")
    helpers.wait_for_app(page, timeout_ms=60_000)
    page.locator("[class*='st-key-edit-'] button").first.click(timeout=60_000)
    toggle = page.get_by_text("return sequence", exact=True)
    expect(toggle).to_be_visible(timeout=30_000)
    helpers.wait_for_app(page)
    assert page.evaluate(CUT_LABELS) == []
    helpers.assert_no_errors(page)
