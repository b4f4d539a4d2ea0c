"""Lessons on the Sequences page's attention tab: its claims' runs, and what they measure.

A run trains the tab's transformer as Start does, with the run's `set` applied to the tab's link
(`"set": {"attention.positions": "off"}`) and, if given, its `epochs`.
- `mirror_attention`: the largest share of its attention any head puts on the mirror position (row i on
  column L - 1 - i, what solves `reverse`), averaged over the test inputs: about 1/L untrained, near 1 once
  a head has learned to reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from dlcore.errors import DlcoreError
from dlcore.jobs import start_training
from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import MAX_RUN_SECONDS, RunResult, _finish, result_of
from dlcore.lessons.sequences import register_tab_runner
from dlcore.sequences import attention


def _run(lesson: Lesson, query: Mapping[str, str], run: Mapping[str, Any], name: str) -> RunResult:
    state, _ = attention.LINK.from_query(query)  # the page has checked the query: nothing is dropped
    if "epochs" in run:
        state = replace(state, epochs=run["epochs"])
        try:
            attention.LINK.validate(state)
        except DlcoreError as err:
            raise LessonError(lesson.id, f"claim.runs.{name}.epochs", err.message) from None
    ds = attention.dataset(state)
    config = attention.train_config(state, device="cpu", max_seconds=MAX_RUN_SECONDS)
    job = start_training(attention.model_spec(state, ds), ds, config)
    _finish(job, lesson, name)
    return result_of(job, ds, query, config.loss)


@register_measure("mirror_attention", "the largest share of attention a head puts on the mirror position")
def _mirror_attention(result: RunResult) -> float:
    return float(attention.mirror_attention(result.model, result.dataset.test[0]).max())


register_tab_runner("attention", _run)
