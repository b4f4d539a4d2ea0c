"""The Generative page's run bar: Play/Pause, Step and Reset (the app's one run bar, ui.run_controls), with
the data and model pickers in the same row, so what trains on what sits beside the buttons that train it."""

from __future__ import annotations

from dlcore import generative as gen
from ui.generative import runs
from ui.generative.controls import data_and_family
from ui.run_controls import player, run_bar

PLAYER = player(runs.play, runs.pause, runs.step, runs.reset)


def player_bar(state: gen.GenerativeState) -> None:
    with run_bar("gen", "running" if runs.is_playing() else "paused", PLAYER):
        data_and_family(state)
