"""A lesson's runs: the lesson's page trained as the page would train it, with a few settings changed.

The claim's runs (`"runs": {"a": {"set": {...}, "epochs": 200}}`) and the student's own run both become a
RunResult, so a claim and a challenge are measured by the same code (dlcore.lessons.measures).

A run description holds:
- `set`: link parameters of the page that differ from the lesson's state (a value of null removes one);
- `epochs`: how long to train (the page's own setting when left out; required on pages that train until
  stopped, like the playground);
- `network`: on the playground, "a" or "b" (which side's network trains; default "a");
- `from`: another run of the claim, listed before this one, whose trained weights this run starts from
  (transfer learning: the layers whose names and shapes fit take them, the others start fresh; freeze a
  layer with `"trainable": false` in the model spec the run's `set` gives).
Pages register a runner with `register_runner`; training is always seeded, on the CPU, one thread at a time
per run, so a claim measures the same numbers on every machine that runs the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from torch import nn

from dlcore.data.catalogue import load
from dlcore.errors import DlcoreError
from dlcore.jobs import Job, start_training
from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.pages import model_spec_of
from dlcore.playground import dataset_options
from dlcore.playground import from_query as playground_state
from dlcore.playground import model_spec as playground_spec
from dlcore.playground import train_config as playground_config
from dlcore.training import TrainConfig
from dlcore.training import link as train_link
from dlcore.training.objective import Objective, adapt_targets, make_objective

RUN_KEYS = ("set", "epochs", "network", "from")
MAX_RUN_SECONDS = 60.0  # a claim's run that takes longer than this is a lesson to rewrite, not to wait for


@dataclass
class RunResult:
    """One finished (or diverged) run: the trained model, its data and what it recorded.

    `final`: loss and accuracy on the training and test splits at the end (final_scores);
    `history`: the run's epoch metrics; `grad_norms`: its per-layer gradient norms; `diverged`: the loss
    became NaN/Inf and the run stopped. `state` is the page's link parameters it ran with."""

    model: nn.Module
    dataset: Any
    state: Mapping[str, Any]
    loss: str
    history: pd.DataFrame
    grad_norms: pd.DataFrame
    status: str
    diverged: bool = False
    job: Job | None = field(default=None, repr=False)
    final: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.final and not self.diverged:
            self.final = final_scores(self.model, self.dataset, self.loss)


def final_scores(model: nn.Module, dataset, loss: str) -> dict[str, float]:
    """Loss and accuracy on the training and test splits, scored as training scores them: in eval mode
    (dropout off, batch norm on its running statistics) and with the targets laid out for the loss
    (one-hot for MSE on classes)."""
    out_shape = tuple(Objective.outputs(model, dataset.train[0][:1]).shape[1:])
    objective = make_objective(loss, dataset.task, dataset.num_classes, out_shape)
    scores = {}
    for split in ("train", "test"):
        inputs, targets = getattr(dataset, split)
        measured = objective.evaluate(model, inputs, adapt_targets(objective, targets, inputs))
        scores.update({f"{split}_{name}": value for name, value in measured.items()})
    return scores


def result_of(job: Job, dataset, state: Mapping[str, Any], loss: str, epochs_before: int = 0) -> RunResult:
    """A RunResult of `job` (finished, paused or stopped) on `dataset`: for a claim's run and for the
    student's run on a page alike. `epochs_before`: epochs the same network trained in earlier jobs (the
    playground goes on in a new job when a setting changes), counted into the history's epochs."""
    if job.status == "failed" and not job.diverged:
        raise DlcoreError(f"The run failed: {job.error}")
    return RunResult(
        model=job.snapshot(),
        dataset=dataset,
        state=dict(state),
        loss=loss,
        history=_shifted(job.epoch_metrics(), epochs_before),
        grad_norms=job.grad_norms(),
        status=job.status,
        diverged=job.diverged,
        job=job,
    )


def _shifted(history: pd.DataFrame, epochs: int) -> pd.DataFrame:
    return history.assign(epoch=history["epoch"] + epochs) if epochs and "epoch" in history else history


def _finish(job: Job, lesson: Lesson, name: str) -> None:
    if not job.wait(timeout=MAX_RUN_SECONDS * 2):
        job.stop()
        raise LessonError(lesson.id, f"claim.runs.{name}", f"took over {MAX_RUN_SECONDS:g} s: train for less")


def run_query(lesson: Lesson, run: Mapping[str, Any], name: str) -> dict[str, Any]:
    """The lesson's state with the run's `set` applied (the page's link parameters the run trains with)."""
    unknown = set(run) - set(RUN_KEYS)
    if unknown:
        keys = ", ".join(RUN_KEYS)
        raise LessonError(lesson.id, f"claim.runs.{name}", f"unknown key '{sorted(unknown)[0]}' ({keys})")
    query = dict(lesson.state)
    for key, value in (run.get("set") or {}).items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return query


def _epochs(lesson: Lesson, run: Mapping[str, Any], name: str, required: bool) -> int | None:
    epochs = run.get("epochs")
    if epochs is None and not required:
        return None
    if not isinstance(epochs, int) or isinstance(epochs, bool) or epochs < 1:
        raise LessonError(lesson.id, f"claim.runs.{name}.epochs", "needs a whole number of epochs (≥ 1)")
    return epochs


# ---------------------------------------------------------------- runners, by page

Runner = Callable[[Lesson, Mapping[str, Any], str], RunResult]
RUNNERS: dict[str, Runner] = {}


def register_runner(page: str, runner: Runner) -> None:
    """`runner(lesson, run, name) -> RunResult` trains one of the claim's runs on `page`; a runner that
    can start from another run's weights (a run's `from`) also takes `start_weights`, a state dict."""
    RUNNERS[page] = runner


def run(lesson: Lesson, name: str, earlier: Mapping[str, RunResult] | None = None) -> RunResult:
    """Train the claim's run `name` of `lesson`; `earlier`: the runs trained before it, by name (the one
    its `from` names gives its starting weights)."""
    if lesson.page not in RUNNERS:
        raise LessonError(lesson.id, "page", f"lessons on the {lesson.page} page cannot run a claim yet")
    description = lesson.claim.runs[name]
    if "from" not in description:
        return RUNNERS[lesson.page](lesson, description, name)
    named = description["from"]
    source = (earlier or {}).get(named) if isinstance(named, str) else None
    if source is None:
        listed = ", ".join(earlier or {}) or "none"
        problem = f"needs the name of a run listed before this one (before it: {listed})"
        raise LessonError(lesson.id, f"claim.runs.{name}.from", problem)
    return RUNNERS[lesson.page](lesson, description, name, start_weights=source.model.state_dict())


def _run_playground(lesson: Lesson, run: Mapping[str, Any], name: str, start_weights=None) -> RunResult:
    query = run_query(lesson, run, name)
    state, problems = playground_state({key: str(value) for key, value in query.items()})
    if problems:
        raise LessonError(lesson.id, f"claim.runs.{name}.set", " ".join(problems))
    side = run.get("network", "a")
    network = {"a": state.a, "b": state.b}.get(side)
    if network is None:
        raise LessonError(lesson.id, f"claim.runs.{name}.network", "needs 'a', or 'b' when comparing")
    dataset = load(state.dataset, **dataset_options(state, network))
    epochs = _epochs(lesson, run, name, required=True)
    config = playground_config(state, network, max_seconds=MAX_RUN_SECONDS)
    config = replace(config, epochs=epochs, device="cpu")
    job = start_training(playground_spec(state, network), dataset, config, start_weights=start_weights)
    _finish(job, lesson, name)
    return result_of(job, dataset, query, config.loss)


def _run_train(lesson: Lesson, run: Mapping[str, Any], name: str, start_weights=None) -> RunResult:
    query = run_query(lesson, run, name)
    state, problems = train_link.from_query({k: str(v) for k, v in query.items() if k != "model"})
    if problems:
        raise LessonError(lesson.id, f"claim.runs.{name}.set", " ".join(problems))
    spec = model_spec_of(lesson, query.get("model"))
    dataset = load(state.dataset, **state.data_options)
    settings = dict(state.settings, device="cpu", max_seconds=MAX_RUN_SECONDS)
    epochs = _epochs(lesson, run, name, required=settings["epochs"] is None)
    if epochs is not None:
        settings["epochs"] = epochs
    config = TrainConfig.from_dict(settings)
    job = start_training(spec, dataset, config, start_weights=start_weights)
    _finish(job, lesson, name)
    return result_of(job, dataset, query, config.loss)


register_runner("playground", _run_playground)
register_runner("train", _run_train)
