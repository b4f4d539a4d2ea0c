"""What the lessons on training and generalisation need beyond the shared measures and runs.

- A **search run** on the Train page trains one run per trial of a hyper-parameter search and stands for
  the trial a practitioner would keep (the best validation accuracy):

      "grid": {"search": {"method": "grid", "trials": 9, "space": {"lr": [0.0001, 10], "width": [8, 128]}},
               "epochs": 5}

  `method` is "grid" (every combination of evenly spaced values on a log scale, ends included) or
  "random" (each trial draws every setting log-uniformly, with `seed`); `space` maps a Train page
  setting (lr, batch_size, weight_decay, ...) or "width" (the size of every hidden Linear layer) to its
  [low, high]. Measures `trials` and `tried` read the trials; the shared ones read the kept trial.
- `stopped_early`: 1 when early stopping (not the student) ended a run before its set epochs.
- `augmented_test_accuracy`: accuracy on the test images changed the way the `augment` dataset option
  changes training images (e.g. digits moved by up to 10 %), to show what augmentation teaches a model.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd
import torch

from dlcore.data.images import AUGMENTATIONS, augment_images
from dlcore.errors import DlcoreError, excerpt
from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.measures import MEASURES, register_measure
from dlcore.lessons.pages import model_spec_of
from dlcore.lessons.runs import RUNNERS, Runner, RunResult, register_runner, run_query
from dlcore.training import link as train_link
from dlcore.training.objective import Objective

SEARCH = "search"  # the run key that makes a run a search
METHODS = ("grid", "random")
MAX_TRIALS = 30  # a claim's search trains every trial: keep it to what a test can afford
WIDTH = "width"  # the search setting that sizes every hidden Linear layer of the model


@dataclass
class SearchResult(RunResult):
    """The kept trial of a search (its RunResult fields), and `trials`: one row per trial with the
    settings it tried and its validation score."""

    trials: pd.DataFrame = field(default_factory=pd.DataFrame)


# ---------------------------------------------------------------- the trials


def trial_points(method: str, space: Mapping[str, tuple[float, float]], trials: int, seed: int = 0) -> list:
    """The settings of each trial: a list of {setting: value}. A grid tries as many values of each
    setting, so its trials are that number to the power of the number of settings (9 over 2: 3 × 3)."""
    if method == "grid":
        per_axis = round(trials ** (1 / len(space)))
        if per_axis ** len(space) != trials:
            example = max(per_axis, 2)
            product = f"{' × '.join([str(example)] * len(space))} = {example ** len(space)}"
            raise DlcoreError(
                f"a grid tries as many values of each of its {len(space)} settings, so its trials must be "
                f"{product} or the like, not {trials}"
            )
        axes = [_log_points(low, high, per_axis) for low, high in space.values()]
        return [dict(zip(space, point, strict=True)) for point in itertools.product(*axes)]
    rng = np.random.default_rng(seed)
    draw = lambda low, high: math.exp(rng.uniform(math.log(low), math.log(high)))  # noqa: E731
    return [{name: draw(low, high) for name, (low, high) in space.items()} for _ in range(trials)]


def _log_points(low: float, high: float, count: int) -> list[float]:
    if count == 1:
        return [math.sqrt(low * high)]
    return [float(v) for v in np.geomspace(low, high, count)]


def _search_spec(lesson: Lesson, spec: Any, where: str) -> tuple[str, dict, int, int]:
    """(method, space, trials, seed) of a run's `search`, checked; LessonError naming the field."""
    if not isinstance(spec, dict) or set(spec) - {"method", "space", "trials", "seed"}:
        raise LessonError(lesson.id, where, "needs an object with 'method', 'space', 'trials' (and 'seed')")
    method, space, trials = spec.get("method"), spec.get("space"), spec.get("trials")
    seed = spec.get("seed", 0)
    if method not in METHODS:
        methods = ", ".join(METHODS)
        raise LessonError(lesson.id, f"{where}.method", f"{excerpt(method)} is not one of {methods}")
    if not isinstance(trials, int) or isinstance(trials, bool) or not 1 <= trials <= MAX_TRIALS:
        raise LessonError(lesson.id, f"{where}.trials", f"needs a whole number from 1 to {MAX_TRIALS}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise LessonError(lesson.id, f"{where}.seed", "needs a whole number ≥ 0")
    if not isinstance(space, dict) or not space:
        raise LessonError(lesson.id, f"{where}.space", 'needs settings and ranges, e.g. {"lr": [0.001, 1]}')
    for name, bounds in space.items():
        param = train_link.PARAMS.get(name)
        if name != WIDTH and (param is None or param.kind not in ("int", "float")):
            raise LessonError(lesson.id, f"{where}.space", f"'{name}' is not a number the Train page sets")
        ok = isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)
        if not ok or not 0 < bounds[0] <= bounds[1]:
            raise LessonError(lesson.id, f"{where}.space.{name}", "needs [low, high] with 0 < low ≤ high")
    return method, space, trials, seed


def _widened(lesson: Lesson, model: Any, width: int) -> dict[str, Any]:
    """The model's spec with every hidden Linear layer (all but the last) `width` units wide."""
    spec = model_spec_of(lesson, model).to_dict()
    linear = [layer for layer in spec["layers"] if layer["type"] == "Linear"][:-1]
    if not linear:
        raise LessonError(lesson.id, "state.model", "has no hidden Linear layer for a search to widen")
    for layer in linear:
        layer["out_features"] = width
    return spec


def _rounded(point: Mapping[str, float]) -> dict[str, float]:
    """A trial's settings as they train: whole numbers where the setting is one, else 4 digits."""
    whole = lambda name: name == WIDTH or train_link.PARAMS[name].kind == "int"  # noqa: E731
    return {name: round(v) if whole(name) else float(f"{v:.4g}") for name, v in point.items()}


def _trial_run(lesson: Lesson, run: Mapping[str, Any], name: str, point: Mapping[str, float]) -> dict:
    """The plain run (`run` without its search) that trains one trial: its own settings plus the trial's."""
    settings = dict(run.get("set") or {})
    for setting, value in point.items():
        if setting == WIDTH:
            settings["model"] = _widened(lesson, run_query(lesson, run, name).get("model"), int(value))
        else:
            settings[setting] = f"{value:g}"
    return {**run, "set": settings}


def _validation_score(result: RunResult) -> float:
    """How good a trial looks on the validation split at its end (higher is better)."""
    history = result.history
    if result.diverged or history.empty:
        return -math.inf
    if "val_accuracy" in history:
        return float(history["val_accuracy"].iloc[-1])
    return -float(history["val_loss"].iloc[-1])


def searching(runner: Runner) -> Runner:
    """`runner`, able to run a search (a run with a `search` key; see the module docstring)."""

    def run_or_search(lesson: Lesson, run: Mapping[str, Any], name: str, start_weights=None) -> RunResult:
        if SEARCH not in run:
            return runner(lesson, run, name, start_weights=start_weights)
        where = f"claim.runs.{name}.{SEARCH}"
        method, space, trials, seed = _search_spec(lesson, run[SEARCH], where)
        try:
            points = trial_points(method, space, trials, seed)
        except DlcoreError as err:
            raise LessonError(lesson.id, f"{where}.trials", err.message) from None
        plain = {key: value for key, value in run.items() if key != SEARCH}
        rows, best, best_score = [], None, -math.inf
        for point in map(_rounded, points):
            result = runner(lesson, _trial_run(lesson, plain, name, point), name, start_weights=start_weights)
            score = _validation_score(result)
            rows.append({**point, "validation": score})
            if best is None or score > best_score:
                best, best_score = result, score
        kept = {f.name: getattr(best, f.name) for f in fields(RunResult)}
        return SearchResult(**kept, trials=pd.DataFrame(rows))

    return run_or_search


register_runner("train", searching(RUNNERS["train"]))


# ---------------------------------------------------------------- measures


def _trials(result: RunResult) -> pd.DataFrame:
    if not isinstance(result, SearchResult):
        raise DlcoreError("this run is not a search: it has no trials")
    return result.trials


@register_measure("trials", "the number of trials a search run trained")
def _trial_count(result: RunResult) -> float:
    return float(len(_trials(result)))


@register_measure("tried", "how many different values of one setting a search run tried (args: setting)")
def _tried(result: RunResult, setting: str) -> float:
    trials = _trials(result)
    if setting not in trials:
        raise DlcoreError(f"the search did not vary {excerpt(setting)} ({', '.join(trials.columns[:-1])})")
    return float(trials[setting].nunique())


@register_measure(
    "stopped_early", "1 if early stopping ended the run before the number of epochs it was set to, else 0"
)
def _stopped_early(result: RunResult) -> float:
    if result.job is None:
        raise DlcoreError("this run has no training settings to compare its epochs with")
    planned, trained = result.job.config.epochs, MEASURES["epochs"][0](result)
    return float(result.status == "finished" and planned is not None and trained < planned)


@register_measure(
    "augmented_test_accuracy",
    "the share of test images classified right after changing them as augmentation changes training "
    'images (args: augment, e.g. "shift" or "shift,rotation"; the same changes on every run)',
)
def _augmented_test_accuracy(result: RunResult, augment: str) -> float:
    kinds = tuple(kind.strip() for kind in augment.split(","))
    if not set(kinds) <= set(AUGMENTATIONS):
        raise DlcoreError(f"augment {excerpt(augment)} needs kinds from {', '.join(AUGMENTATIONS)}")
    dataset = result.dataset
    if dataset.image_shape is None:
        raise DlcoreError(f"the {dataset.name} dataset has no images to change")
    if result.diverged:
        return 0.0
    inputs, labels = dataset.test
    generator = torch.Generator().manual_seed(0)  # every run is scored on the same changed images
    changed = dataset.normalize(augment_images(dataset.denormalize(inputs), kinds, generator))
    return float((Objective.outputs(result.model, changed).argmax(1) == labels).float().mean())
