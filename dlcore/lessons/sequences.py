"""Lessons on the Sequences page: its links (the open tab and every tab's settings) and its claims' runs.

A tab whose lessons make claims registers how one run of it trains with `register_tab_runner(key, runner)`;
`runner(lesson, query, run, name) -> RunResult`, `query` being the page's link parameters with the run's
`set` applied. The runs go to the runner of the tab the query opens (`tab=`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import torch

from dlcore.errors import DlcoreError, excerpt
from dlcore.jobs import start_training
from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.measures import register_measure
from dlcore.lessons.pages import register_page
from dlcore.lessons.runs import (
    MAX_RUN_SECONDS,
    RunResult,
    _epochs,
    _finish,
    register_runner,
    result_of,
    run_query,
)
from dlcore.sequences import memory, open_tab_from_query, page_problems, race
from dlcore.sequences.memory import input_gradients

TabRunner = Callable[[Lesson, Mapping[str, str], Mapping[str, Any], str], RunResult]
TAB_RUNNERS: dict[str, TabRunner] = {}


def register_tab_runner(tab: str, runner: TabRunner) -> None:
    TAB_RUNNERS[tab] = runner


def _run(lesson: Lesson, run: Mapping[str, Any], name: str) -> RunResult:
    query = {key: str(value) for key, value in run_query(lesson, run, name).items()}
    problems = page_problems(query)
    if problems:
        raise LessonError(lesson.id, f"claim.runs.{name}.set", " ".join(problems))
    tab = open_tab_from_query(query)[0].tab
    if tab not in TAB_RUNNERS:
        raise LessonError(lesson.id, "state.tab", f"lessons on the {tab} tab cannot run a claim yet")
    return TAB_RUNNERS[tab](lesson, query, run, name)


register_page("sequences", lambda query: page_problems({k: str(v) for k, v in query.items()}))
register_runner("sequences", _run)


def _trained(lesson: Lesson, query, run, name: str, models, ds, config) -> RunResult:
    """Train `models` as the tab would, on the CPU, for the run's epochs (the tab's own when it has a
    number of them), and wait for the end."""
    epochs = _epochs(lesson, run, name, required=config.epochs is None) or config.epochs
    config = replace(config, epochs=epochs, device="cpu", max_seconds=MAX_RUN_SECONDS)
    job = start_training(models, ds, config)
    _finish(job, lesson, name)
    return result_of(job, ds, query, config.loss)


def _run_memory(lesson: Lesson, query, run, name: str) -> RunResult:
    state = memory.LINK.from_query(query)[0]  # the page checked it (page_problems)
    ds = memory.memory_dataset(state)
    return _trained(lesson, query, run, name, memory.memory_spec(state, ds), ds, memory.memory_config(state))


def _run_race(lesson: Lesson, query, run, name: str) -> RunResult:
    state = race.LINK.from_query(query)[0]
    ds = race.race_dataset(state)
    return _trained(lesson, query, run, name, race.race_models(state, ds), ds, race.race_config(state))


register_tab_runner("memory", _run_memory)
register_tab_runner("race", _run_race)


@register_measure("last", "the value a metric of the epoch history had at the end (args: metric)")
def _last(result: RunResult, metric: str) -> float:
    if metric not in result.history:
        raise DlcoreError(f"the run recorded no {excerpt(metric)} ({', '.join(result.history.columns)})")
    values = result.history[metric].dropna()
    return float(values.iloc[-1]) if len(values) else math.nan


@register_measure(
    "first_step_gradient",
    "how much of the gradient reaches the first time step: |d loss / d x_1| over |d loss / d x_last|, the "
    "median over the first test sequences (args: sequences, default 50)",
)
def _first_step_gradient(result: RunResult, sequences: int = 50) -> float:
    inputs, targets = result.dataset.test
    ratios = []
    for x, y in zip(inputs[:sequences], targets[:sequences], strict=True):
        grad = input_gradients(result.model, x, int(y))[0]
        ratios.append(float(grad[0] / grad[-1].clamp_min(1e-30)))
    return float(torch.tensor(ratios).median())
