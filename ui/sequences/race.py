"""The long-memory race: the racers (dlcore.sequences.race.RACERS) learn the same task in one job;
their curves move together, and each race adds a point per racer to the accuracy-against-delay curve."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from dlcore import plots
from ui import state as keys
from ui.sequences.controls import param_row
from ui.sequences.jobs import TabJob
from ui.sequences.tabs import Tab, register_tab, tab_state
from ui.steady_chart import steady_chart

race = dlcore.sequences.race
RACE = tab_state("race")
JOB = TabJob(keys.SEQ_RACE_JOB)


def _start() -> None:
    state = RACE.current()
    ds = race.race_dataset(state)
    JOB.start(race.race_models(state, ds), ds, race.race_config(state))
    st.session_state[keys.SEQ_RACE_RACED] = state


def _setup(state) -> tuple:
    """What a curve of accuracy against delay keeps fixed: every setting but the delay."""
    return dataclasses.astuple(dataclasses.replace(state, delay=0))


def _results(state) -> dict[int, dict[str, float]]:
    """The races finished in this tab with the state's setup: delay -> {racer: final score}."""
    return st.session_state.setdefault(keys.SEQ_RACE_FINISHED, {}).setdefault(_setup(state), {})


def _views(job) -> None:
    raced = RACE.current() if job is None else st.session_state[keys.SEQ_RACE_RACED]
    results = _results(raced)
    losses = race.racer_losses(None if job is None else job.metrics())
    if job is not None:
        scores = race.racer_scores(job.epoch_metrics(), raced.task)
        if len(scores):
            results[raced.delay] = scores.iloc[-1].to_dict()  # the race's latest, final once it ends
        st.caption(_standing(job, raced, results.get(raced.delay, {})))
    score = race.TASKS[raced.task].score
    left, right = st.columns(2)
    with left:
        steady_chart(plots.race_losses(losses, race.RACERS), key="seq-race-losses")
    with right:
        steady_chart(plots.accuracy_against_delay(results, race.RACERS, score=score), key="seq-race-delays")


def _standing(job, raced, scores: dict[str, float]) -> str:
    """One line: the delay, the epoch, and each racer's latest validation score."""
    epoch = job.progress().get("epoch", 0)
    shown = "{:.0%}" if race.TASKS[raced.task].score == "accuracy" else "R² {:.2f}"
    listing = ", ".join(f"{race.RACERS[key].label} {shown.format(value)}" for key, value in scores.items())
    return f"Delay {raced.delay} steps, epoch {epoch} of {raced.epochs}" + (f": {listing}" if listing else "")


def _fair_setup() -> str:
    """How the race is kept fair, from the racers' own settings (the caption's tooltip)."""
    rates = ", ".join(f"{racer.label} {racer.lr:g}" for racer in race.RACERS.values())
    return (
        f"The same batches, seed, epochs and gradient clipping ({race.CLIP:g}) for all; learning rates "
        f"chosen once for every delay ({rates}); the LSTM's forget gate and the GRU's update gate start "
        f"open (bias {race.KEEP_GATE_OPEN:g}) and the LSTM's input gate closed (bias "
        f"{-race.KEEP_GATE_OPEN:g}), as the state-space layer's memories start slow to fade (it reads each "
        "step through Linear + ReLU: alone it can only add up what it read, never multiply)."
    )


def _task_race(task: str) -> str:
    """What picking `task` sets: the delay, length and epochs it races at (the task's own settings)."""
    settings = race.TASKS[task].race
    return (
        f"Picking {task} sets delay {settings['delay']} of {settings['length']} steps, "
        f"{settings['epochs']} epochs."
    )


def draw_race() -> None:
    # a delay longer than the sequence is refused with a notice; a new task brings its own race settings
    param_row(RACE, race.PARAMS, "seq-race", {"task": race.with_task})
    st.caption(
        "A fair race: each racer at its own learning rate, chosen once for every delay. "
        + _task_race(RACE.current().task),
        help=_fair_setup(),
    )
    JOB.bar("seq-race", _start, labels={"start": "Start the race"})
    JOB.live(_views)


register_tab(Tab("race", "Long-memory race", draw_race, RACE))
