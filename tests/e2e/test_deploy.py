"""The Deploy page in a real browser at projector size: a quick model, an ONNX export and the
size / speed / accuracy report, with screenshots to look at."""

import pytest

from tests.e2e.test_inspect_pages import click_button

pytestmark = pytest.mark.e2e


def test_export_and_report_of_a_quick_model_at_projector_size(page, app_url, helpers):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/deploy")
    helpers.wait_for_app(page, 60_000)
    click_button(page, "deploy_quick", helpers)
    page.get_by_text("quick digits CNN").first.wait_for(timeout=60_000)

    click_button(page, "deploy_export_onnx", helpers)
    page.get_by_text("matches PyTorch").first.wait_for(timeout=60_000)
    page.get_by_text("Download model.onnx").wait_for(timeout=10_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "deploy-export")

    page.get_by_role("tab", name="Make it smaller").click()
    click_button(page, "deploy_run_report", helpers, 120_000)
    page.locator("[data-testid='stTable']").wait_for(timeout=60_000)
    page.locator(".st-key-deploy_comparison .js-plotly-plot").wait_for(timeout=30_000)
    helpers.assert_no_errors(page)
    helpers.screenshot(page, "deploy-report")
