"""The Sequences page in a real browser at projector size: the long-memory race (as the tab starts it, on
the recall task and on the adding problem) trains its five racers side by side and every racer's curve
keeps growing while it runs; a delay longer than the sequence is a message.
Screenshots at 1280×720 to look at (test-artifacts/, and $DLP_SHOTS when set)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import dlcore

pytestmark = pytest.mark.e2e

# Samples, every 100 ms for `ms`, how many points each trace of the race's loss chart has; returns, per
# racer, how many times its curve changed (the browser drew a new version of it).
COUNT_UPDATES = """async (ms) => {
  const chart = () => document.querySelectorAll('.steady-chart')[0];
  const changes = {}, last = {};
  for (let t = 0; t < ms; t += 100) {
    for (const trace of chart()?.data ?? []) {
      const n = trace.x.length;
      const moved = last[trace.name] !== undefined && last[trace.name] !== n;
      if (moved) changes[trace.name] = (changes[trace.name] ?? 0) + 1;
      last[trace.name] = n;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return changes;
}"""
RACE = "tab=race&race.epochs=300"  # the tab's own race (delay 95 of 100 steps), long enough to watch


def shot(page, helpers, name: str) -> None:
    folder = os.environ.get("DLP_SHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"sequences-{name}.png"))
    helpers.screenshot(page, f"sequences-{name}")


def open_sequences(page, app_url, helpers, query: str) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{app_url}/sequences?{query}")
    helpers.wait_for_app(page, 60_000)


@pytest.mark.parametrize("task", ["recall", "adding"])
def test_every_racers_curve_keeps_moving_while_the_race_runs(page, app_url, helpers, task):
    open_sequences(page, app_url, helpers, f"{RACE}&race.task={task}")
    page.get_by_role("button", name="Start the race").click()
    page.get_by_text("Delay 95 steps, epoch").wait_for(timeout=60_000)
    page.wait_for_function("() => (document.querySelector('.steady-chart')?.data?.[0]?.x?.length ?? 0) > 2")
    changes = page.evaluate(COUNT_UPDATES, 5000)
    assert set(changes) == {racer.label for racer in dlcore.sequences.race.RACERS.values()}, changes
    assert all(count >= 3 for count in changes.values()), changes
    helpers.assert_no_errors(page)
    shot(page, helpers, f"race-{task}")
    page.get_by_role("button", name="Stop").click()
    helpers.wait_for_app(page)


def test_a_delay_longer_than_the_sequence_is_a_message_not_a_traceback(page, app_url, helpers):
    open_sequences(page, app_url, helpers, "tab=race&race.length=30&race.delay=45")
    page.get_by_text("must be shorter than the sequence (30 steps)").first.wait_for(timeout=30_000)
    assert "Traceback (most recent call last)" not in page.content()
    shot(page, helpers, "race-bad-delay")
