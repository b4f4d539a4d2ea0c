"""Lessons on the Sequences page: its links (the open tab and every tab's settings) and its claims' runs.

A tab whose lessons make claims registers how one run of it trains with `register_tab_runner(key, runner)`;
`runner(lesson, query, run, name) -> RunResult`, `query` being the page's link parameters with the run's
`set` applied. The runs go to the runner of the tab the query opens (`tab=`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.pages import register_page
from dlcore.lessons.runs import RunResult, register_runner, run_query
from dlcore.sequences import open_tab_from_query, page_problems

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
