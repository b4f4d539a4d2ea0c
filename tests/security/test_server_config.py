"""What Streamlit itself can set for a classroom server (the rest is the README's reverse proxy)."""

from pathlib import Path

import tomllib

CONFIG = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())


def test_students_never_see_a_traceback_the_server_logs_it():
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_the_server_listens_on_this_machine_only_unless_told_otherwise():
    assert CONFIG["server"]["address"] == "127.0.0.1"
    assert CONFIG["server"]["enableXsrfProtection"] is True
