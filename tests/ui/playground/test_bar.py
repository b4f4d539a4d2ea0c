"""The playground's player bar is the app's run bar (ui.run_controls), drawn for whether it plays."""

from __future__ import annotations

import time

from tests.ui.playground.support import job_of
from ui.playground.bar import PLAYER
from ui.run_controls import buttons
from ui.state import PLAYGROUND_PLAYING


def bar(at) -> list[tuple[str, str, bool]]:
    """(key, label, enabled) of each run-bar button on the page, in order."""
    keys = {f"pg-{name}" for name in ("resume", "pause", "step_epoch", "reset")}
    return [(b.key, b.label, not b.disabled) for b in at.button if b.key in keys]


def expected(status: str) -> list[tuple[str, str, bool]]:
    return [(f"pg-{b.name}", b.label, b.enabled) for b in buttons(status, PLAYER)]


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_play_becomes_pause_and_step_pauses_after_one_epoch(open_page):
    at = open_page()
    assert bar(at) == expected("paused")
    assert [label for _, label, _ in bar(at)] == ["Play", "Step", "Reset"]

    at.button(key="pg-resume").click().run()
    assert not at.exception
    assert at.session_state[PLAYGROUND_PLAYING] is True
    assert job_of(at).status in ("queued", "running")
    assert bar(at) == expected("running")
    assert bar(at) == [
        ("pg-pause", "Pause", True),
        ("pg-step_epoch", "Step", True),
        ("pg-reset", "Reset", True),
    ]

    at.button(key="pg-step_epoch").click().run()  # Step while playing: one more epoch, then paused
    assert not at.exception
    assert at.session_state[PLAYGROUND_PLAYING] is False
    assert [label for _, label, _ in bar(at)] == ["Play", "Step", "Reset"]
    wait_until(lambda: job_of(at).status == "paused")


def test_play_and_pause_are_the_bars_main_button_and_step_and_reset_keep_their_help():
    paused, running = buttons("paused", PLAYER), buttons("running", PLAYER)
    assert [b.name for b in paused + running if b.primary] == ["resume", "pause"]
    help_of = {b.label: b.help for b in paused}
    assert help_of["Step"] == "Train one epoch, then pause."
    assert help_of["Reset"] == "Start again from fresh weights (same seed)."
