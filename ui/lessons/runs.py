"""The student's own run on a lesson's page, as a dlcore.lessons.RunResult: what a challenge is checked on.

`STUDENT_RUNS` maps a page to the function that finds this tab's run there (None: no run yet). The run is
measured as it is now, finished, paused or stopped: the same code measures a lesson's claim
(dlcore.lessons.result_of).
"""

from __future__ import annotations

from collections.abc import Callable

from dlcore import lessons
from ui.build.state import BUILD
from ui.playground import STATE as PLAYGROUND
from ui.playground import runs as playground_runs
from ui.session import current_job
from ui.state import query_of
from ui.train.state import TRAIN


def train_run() -> lessons.RunResult | None:
    """The tab's run on the Train page, on the data it trains on."""
    job = current_job()
    if job is None:
        return None
    return lessons.result_of(job, job.dataset, query_of(BUILD, TRAIN), job.config.loss)


def playground_run() -> lessons.RunResult | None:
    """Network A's run on the 2-D playground."""
    run = playground_runs.runs().get("A")
    if run is None or run.job is None:
        return None
    query, loss = PLAYGROUND.query(), run.job.config.loss
    return lessons.result_of(run.job, run.dataset, query, loss, epochs_before=run.epoch_offset)


STUDENT_RUNS: dict[str, Callable[[], lessons.RunResult | None]] = {
    "train": train_run,
    "playground": playground_run,
}


def student_run(page: str) -> lessons.RunResult | None:
    """This tab's run on `page` (None: none yet, or a page whose runs lessons cannot check)."""
    find = STUDENT_RUNS.get(page)
    return find() if find is not None else None
