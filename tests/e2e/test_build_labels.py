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


# each model card's title and its edit and remove buttons: [top, bottom] of each, per card
CARD_ROWS = """() => [...document.querySelectorAll('[class*="st-key-card-"]')].map(card => [
    card.querySelector('[data-testid="stMarkdownContainer"]'),
    card.querySelector('[class*="st-key-edit-"] button'),
    card.querySelector('[class*="st-key-remove-"] button'),
].map(element => { const box = element.getBoundingClientRect(); return [box.top, box.bottom]; }))"""


def test_a_blocks_card_keeps_its_buttons_beside_its_title_at_1280x720(page, app_url, helpers):
    """ "1 · Sequential → 8×14×14" is too long for one line beside two buttons: the title wraps, and the
    remove button no longer drops onto a line of its own under it."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/build")
    helpers.wait_for_app(page, timeout_ms=60_000)
    page.get_by_text("Tiny VGG", exact=True).click(timeout=60_000)
    expect(page.get_by_text("Loaded Tiny VGG", exact=False)).to_be_visible(timeout=30_000)
    helpers.wait_for_app(page)
    layers = len(dlcore.presets()["tiny_vgg"].layers)
    cards = page.evaluate(CARD_ROWS)
    assert len(cards) == layers
    for (title_top, title_bottom), *buttons in cards:
        for top, bottom in buttons:  # each button overlaps the title's lines vertically
            assert top < title_bottom and bottom > title_top
    helpers.assert_no_errors(page)
