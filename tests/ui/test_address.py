"""The address students type: set by the server (DLP_PUBLIC_URL or --browser.serverAddress), shown in the
sidebar and used by share links, instead of whatever host the teacher opened the app on."""

from __future__ import annotations

import pytest
import streamlit as st

from ui import address

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PUBLIC = "http://192.168.1.20:8501"


@pytest.mark.parametrize(
    "given, expected",
    [
        ("http://192.168.1.20:8501", PUBLIC),
        ("192.168.1.20:8501/", PUBLIC),
        ("  https://class.example.org/dl/  ", "https://class.example.org/dl"),
    ],
)
def test_a_public_address_is_a_base_url_with_a_scheme_and_no_trailing_slash(given, expected):
    assert address.base_url(given) == expected


def test_the_environment_variable_sets_the_public_address(monkeypatch):
    monkeypatch.setenv("DLP_PUBLIC_URL", "192.168.1.20:8501")
    assert address.public_url() == PUBLIC
    assert address.page_url("playground") == f"{PUBLIC}/playground"


def test_streamlits_server_address_option_sets_it_too(monkeypatch):
    monkeypatch.delenv("DLP_PUBLIC_URL", raising=False)
    options = {"browser.serverAddress": "10.0.0.5", "browser.serverPort": 8600, "server.baseUrlPath": ""}
    monkeypatch.setattr(st.config, "is_manually_set", lambda name: name == "browser.serverAddress")
    monkeypatch.setattr(st, "get_option", options.__getitem__)
    assert address.public_url() == "http://10.0.0.5:8600"


def test_without_a_public_address_links_stay_relative(monkeypatch):
    monkeypatch.delenv("DLP_PUBLIC_URL", raising=False)
    assert address.public_url() is None
    assert address.page_url("playground") == "/playground"  # AppTest and bare runs know no host


def test_the_sidebar_shows_students_the_public_address(app, monkeypatch):
    monkeypatch.setenv("DLP_PUBLIC_URL", PUBLIC)
    at = app.run()
    assert not at.exception
    assert any(PUBLIC in m.value for m in at.sidebar.markdown)


def test_the_playgrounds_share_link_uses_the_public_address(app, monkeypatch):
    monkeypatch.setenv("DLP_PUBLIC_URL", PUBLIC)
    at = app.run()
    at.switch_page("pages/playground.py").run()
    try:
        assert not at.exception
        links = [c.value for c in at.code if c.value.startswith(f"{PUBLIC}/playground?")]
        assert links and "dataset=" in links[0]
    finally:
        for run in at.session_state["playground_runs"].values():
            if run.job is not None:
                run.job.stop()


def test_a_loopback_address_tells_the_teacher_how_to_set_the_public_one(monkeypatch):
    monkeypatch.delenv("DLP_PUBLIC_URL", raising=False)
    monkeypatch.setattr(address, "opened_url", lambda: "http://localhost:8701")
    shown = []
    monkeypatch.setattr(st, "caption", shown.append)
    monkeypatch.setattr(st, "markdown", shown.append)
    address.show_address_for_students()
    assert (
        len(shown) == 1 and "DLP_PUBLIC_URL" in shown[0] and "cannot open `http://localhost:8701`" in shown[0]
    )
    monkeypatch.setattr(address, "opened_url", lambda: "http://192.168.1.20:8701")
    address.show_address_for_students()
    assert "http://192.168.1.20:8701" in shown[1] and "DLP_PUBLIC_URL" not in shown[1]
