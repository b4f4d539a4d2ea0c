"""Shared fixtures for the page tests (AppTest runs app.py in-process, no browser)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis's per-example deadline is a timed assertion: on a busy 2-core CI machine it fails tests that
# are correct. The examples' number stays each test's own choice.
settings.register_profile("dl-playground", deadline=None)
settings.load_profile("dl-playground")

APP = str(Path(__file__).resolve().parents[1] / "app.py")

APP_TIMEOUT_S = 60  # the first run imports torch and warms up the engine


@pytest.fixture(autouse=True, scope="session")
def link_store_folder(tmp_path_factory):
    """Models that tests put in links are kept in a temporary folder (servers started by the browser
    tests inherit it), never in the home directory."""
    os.environ["DLP_LINK_DIR"] = str(tmp_path_factory.mktemp("links"))


@pytest.fixture(autouse=True, scope="session")
def data_folder(tmp_path_factory):
    """Runs that tests train are kept in a temporary data folder (servers started by the browser tests
    inherit it), never in the home directory nor in a database named by the developer's environment."""
    os.environ["DLP_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    os.environ.pop("DLP_DATABASE_URL", None)


@pytest.fixture(autouse=True, scope="session")
def local_training():
    """Jobs train in the tests' own process unless a test asks for Ray (`on_ray`), whatever the
    developer's environment says."""
    os.environ.pop("DLP_RAY_ADDRESS", None)


@pytest.fixture(scope="session")
def ray_instance():
    """A local Ray instance of two CPUs, started once for the tests of jobs on Ray and shut down after
    them; those tests are skipped, saying why, where Ray is not installed."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'dl-playground[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    from dlcore.jobs.remote import start_ahead

    start_ahead(wait=True)  # the first run's actor, ready (its process loading PyTorch takes 20 s here)
    yield ray
    ray.shutdown()


@pytest.fixture
def on_ray(ray_instance):
    """Jobs this test starts train in Ray actors on the local Ray instance (the `ray` module)."""
    from dlcore.jobs import ray_address, use_ray

    before = ray_address()
    use_ray("auto")  # the instance this process started
    yield ray_instance
    use_ray(before)


@pytest.fixture
def app(monkeypatch):
    """A fresh AppTest of the whole app (a new browser session), not yet run; while the test runs, every
    AppTest of it runs pages inside app.py's frame.

    AppTest forgets before every run that app.py has called st.navigation, as if each run were a fresh
    server's first request (ui.frame then reruns it through app.py: covered in a real browser by
    tests/e2e/test_frame.py). A real server forgets nothing: here it is told, as after its first run.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest, app_test

    class ServedPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(app_test, "PagesManager", ServedPagesManager)
    return AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S)


@pytest.fixture
def train(app):
    """The app opened on the Train page; the tab's run (if one was started) is stopped afterwards."""
    at = app.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    yield at
    job = at.session_state["job"] if "job" in at.session_state else None
    if job is not None:
        job.stop()
        job.wait(30)


@pytest.fixture
def fake_drops(monkeypatch):
    """Simulate streamlit-dnd drops: AppTest cannot drag, and custom components return their default.

    Push `streamlit_dnd.DropEvent`s onto the returned list; each run of the page consumes the first one.
    """
    import streamlit_dnd

    pending: list = []

    def fake_dnd(*args, **kwargs):
        return pending.pop(0) if pending else None

    monkeypatch.setattr(streamlit_dnd, "dnd", fake_dnd)
    return pending
