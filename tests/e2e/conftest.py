"""Browser tests: a real `streamlit run app.py` server and Debian's headless Chromium driven by Playwright.

Skipped (with the reason) where Chromium is missing; CI installs it, see scripts/test.sh.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("DLP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # run_every is driven by browser timers: keep them running in every tab.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(script: str, port: int, log) -> subprocess.Popen:
    """`streamlit run <script>` on `port`, its output to `log` (not waited for: see wait_until_serving)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_until_serving(server: subprocess.Popen, url: str, log) -> None:
    """Until the server at `url` answers its health check; the test fails if it exits or takes 60 s."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"streamlit did not start; see {log.name}")
        time.sleep(0.3)


@contextlib.contextmanager
def running_app(log_name: str = "streamlit-server", port: int | None = None, script: str = "app.py"):
    """A `streamlit run app.py` server (or of another `script`, e.g. a test page) on `port` (a free one by
    default), stopped on exit; yields its base URL."""
    port = port or _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = open(ARTIFACTS / f"{log_name}.log", "w")
    server = start_server(script, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, url, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def app_url():
    """Start the app once per test session; yield its base URL."""
    with running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()


def wait_for_app(page, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    running = "[data-testid='stStatusWidget'] [data-testid='stStatusWidgetRunningIcon']"
    page.wait_for_function(f'() => !document.querySelector("{running}")', timeout=timeout_ms)


def assert_no_errors(page) -> None:
    """No exception box, error alert or traceback anywhere on the page."""
    for selector in ("[data-testid='stException']", "[data-testid='stAlertContentError']"):
        count = page.locator(selector).count()
        assert count == 0, f"{count} error element(s) {selector}: {page.locator(selector).first.inner_text()}"
    assert "Traceback (most recent call last)" not in page.content()


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page under test-artifacts/ for a person to look at.

    Streamlit scrolls inside its main section, not the document, so a "full page" screenshot would stop at
    the window: the window is stretched to the content's height for the shot instead.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]')?.scrollHeight || 0")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(height, 8000))})
    page.wait_for_timeout(800)  # let charts re-layout to the new size
    page.screenshot(path=str(path))
    page.set_viewport_size(size)
    return path


@pytest.fixture
def helpers():
    """The module-level helpers, as a fixture so test files need no import path tricks."""

    class Helpers:
        wait_for_app = staticmethod(wait_for_app)
        assert_no_errors = staticmethod(assert_no_errors)
        screenshot = staticmethod(screenshot)

    return Helpers


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)
