"""Lessons on the Generative page: the page opens their links, and their claims' runs train what it trains.

A run is the page's state (the lesson's link parameters with the run's `set`) trained for `epochs` on the
CPU with its seed, through `dlcore.generative` exactly as the page does. Its `final` scores are the family
recipe's own scores on the test split (`test_loss`, and e.g. `test_reconstruction` and `test_kl` for a VAE),
read by the measure `test_score`:

    {"value": {"run": "high_beta", "measure": "test_score", "score": "kl"},
     "below": {"run": "low_beta", "measure": "test_score", "score": "kl"}}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from dlcore import generative as gen
from dlcore.errors import DlcoreError
from dlcore.jobs import start_training
from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.measures import register_measure
from dlcore.lessons.pages import register_page
from dlcore.lessons.runs import MAX_RUN_SECONDS, RunResult, _epochs, _finish, register_runner, run_query
from dlcore.training.recipe import make_recipe

PAGE = "generative"


def link_problems(query: Mapping[str, str]) -> list[str]:
    """What a link of the page could not use (the page would open it with notices)."""
    state, problems = gen.from_query(query)
    known = set(gen.to_query(state)) | {"points"}
    problems += [
        f"'{key}' is not a setting of this page."
        for key in query
        if key not in known and not key.startswith(("data.", "f."))  # from_query names those
    ]
    if not problems:
        try:
            gen.validate(state)
        except DlcoreError as err:
            problems.append(err.message)
    return problems


def _run(lesson: Lesson, run: Mapping[str, Any], name: str, start_weights=None) -> RunResult:
    query = {key: str(value) for key, value in run_query(lesson, run, name).items()}
    problems = link_problems(query)
    if problems:
        raise LessonError(lesson.id, f"claim.runs.{name}.set", " ".join(problems))
    state = gen.from_query(query)[0]
    dataset = gen.load_data(state)
    epochs = _epochs(lesson, run, name, required=True)
    config = gen.train_config(state, max_seconds=MAX_RUN_SECONDS, epochs=epochs, device="cpu")
    job = start_training(gen.models(state, dataset), dataset, config, start_weights=start_weights)
    _finish(job, lesson, name)
    final = {} if job.diverged else test_scores(job, dataset, config)
    return RunResult(
        model=job.snapshot(),
        dataset=dataset,
        state=query,
        loss=config.loss,
        history=job.epoch_metrics(),
        grad_norms=job.grad_norms(),
        status=job.status,
        diverged=job.diverged,
        job=job,
        final=final or {"test_loss": float("inf")},
    )


def test_scores(job, dataset, config) -> dict[str, float]:
    """The recipe's own scores of the job's trained models on the test split, as test_<score>."""
    recipe = make_recipe(config.recipe, job.snapshots(), dataset, config, torch.device("cpu"))
    x, y = recipe.data.test
    return {f"test_{key}": float(value) for key, value in recipe.evaluate(x, y).items()}


@register_measure(
    "test_score",
    "a score of a Generative page run's recipe on the test split at the end (args: score, e.g. kl, "
    "reconstruction, loss)",
)
def _test_score(result: RunResult, score: str) -> float:
    if f"test_{score}" not in result.final:
        known = ", ".join(key.removeprefix("test_") for key in result.final)
        raise DlcoreError(f"this run has no test score '{score}' (it has {known})")
    return result.final[f"test_{score}"]


register_page(PAGE, link_problems, lambda query: gen.from_query(query)[0].data)
register_runner(PAGE, _run)
