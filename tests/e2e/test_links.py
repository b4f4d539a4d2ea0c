"""A teacher's link: a model set up on Build and settings set on Train, copied from the Train page's
address, open the same model and settings in another browser after the server has been restarted.

The model is one too long for a link (its description is long), so the link carries a short id and the
model comes back from the server's store: the part a restart could lose.
"""

import hashlib
import json
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

import dlcore
from tests.e2e.conftest import _free_port, running_app

pytestmark = pytest.mark.e2e
NAME = "Our class model"


def class_model(tmp_path) -> str:
    """A spec file: the digits MLP, renamed, with a description that no compression makes short."""
    spec = dlcore.presets()["digits_mlp"].to_dict()
    noise = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(24))
    spec.update(name=NAME, description=f"Made in class. {noise}"[:1800])
    path = tmp_path / "class_model.json"
    path.write_text(json.dumps(spec))
    return str(path)


def link_has(url: str, **values: str) -> bool:
    query = parse_qs(urlparse(url).query)
    return all(query.get(key) == [value] for key, value in values.items())


def set_up_the_model_and_settings(page, url: str, spec_file: str, helpers) -> str:
    """Upload the model on Build, set lr and epochs on Train; returns the Train page's address."""
    page.goto(f"{url}/build")
    helpers.wait_for_app(page, timeout_ms=90_000)
    page.locator(".st-key-spec_upload input[type=file]").set_input_files(spec_file)
    expect(page.get_by_role("textbox", name="Model name").last).to_have_value(NAME, timeout=60_000)
    page.wait_for_url(lambda address: (parse_qs(urlparse(address).query).get("model") or [""])[0][:1] == "s")
    page.locator("[data-testid='stSidebarNav']").get_by_text("Train").click()
    helpers.wait_for_app(page, timeout_ms=60_000)
    page.locator("summary", has_text="Data and settings").click()
    for field, value in (("lr", "0.02"), ("epochs", "7")):
        box = page.get_by_role("spinbutton", name=field)
        box.fill(value)
        box.press("Enter")
        helpers.wait_for_app(page)
    page.wait_for_url(lambda address: link_has(address, lr="0.02", epochs="7"), timeout=30_000)
    return page.url


def test_a_train_link_reopens_model_and_settings_on_a_restarted_server(browser, helpers, tmp_path):
    port = _free_port()
    with running_app("streamlit-links-before", port=port) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        link = set_up_the_model_and_settings(page, url, class_model(tmp_path), helpers)
        page.close()
    assert urlparse(link).path == "/train" and link_has(link, lr="0.02", epochs="7")

    with running_app("streamlit-links-after", port=port):  # the same address, a new server process
        fresh = browser.new_context(viewport={"width": 1280, "height": 720})  # another student's browser
        try:
            page = fresh.new_page()
            page.goto(link)
            helpers.wait_for_app(page, timeout_ms=90_000)
            summary = page.get_by_text(f"Training {NAME} (4 layers) on digits")
            expect(summary).to_be_visible(timeout=60_000)
            expect(summary).to_contain_text("lr 0.02")
            expect(summary).to_contain_text("7 epochs")
            helpers.assert_no_errors(page)
            assert page.get_by_text("could not be opened").count() == 0
            page.locator("[data-testid='stSidebarNav']").get_by_text("Build").click()
            helpers.wait_for_app(page, timeout_ms=60_000)
            expect(page.get_by_role("textbox", name="Model name").last).to_have_value(NAME, timeout=30_000)
            expect(page.get_by_text("2 · Linear")).to_be_visible()
        finally:
            fresh.close()
