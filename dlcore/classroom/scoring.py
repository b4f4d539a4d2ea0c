"""Scoring a handed-in run on a challenge's hidden examples, on the server.

The model is rebuilt from the run's spec and its kept safetensors weights (never pickle), checked
against the challenge's limits, and scored on the examples the challenge's key hides from every split a
student gets (`dlcore.data.catalogue.load_hidden`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

import torch

from dlcore.build import build_model
from dlcore.data.catalogue import load_hidden
from dlcore.data.dataset import Dataset
from dlcore.errors import ClassroomError, DlcoreError
from dlcore.metrics import classification_report
from dlcore.runs.store import RunRecord, RunStore
from dlcore.training.objective import Objective, adapt_targets, make_objective

# The metric each kind of task is ranked by: higher is better for both.
METRICS = {"binary": "accuracy", "multiclass": "accuracy", "regression": "r2"}


@dataclass(frozen=True)
class Score:
    """What the hidden examples say about a model: the metric's value, per-class accuracy for
    classifiers ({"class", "accuracy", "examples"}), its weights, and the limits it broke."""

    score: float | None  # None: the model's answers were not numbers
    per_class: list[dict] = field(default_factory=list)
    parameters: int = 0
    problems: list[str] = field(default_factory=list)


@lru_cache(maxsize=8)
def _hidden(dataset: str, options_json: str) -> Dataset:
    # A class hands in many runs of one challenge: its hidden examples are built once per process.
    options = json.loads(options_json)
    return load_hidden(dataset, **options)


def hidden_examples(dataset: str, data_options: dict) -> Dataset:
    """The challenge's data with the hidden examples as its test split (cached; never mutate it).
    ClassroomError when the dataset cannot hide examples or the options are wrong."""
    try:
        return _hidden(dataset, json.dumps(data_options, sort_keys=True))
    except DlcoreError as err:
        raise ClassroomError(err.message, err.field or "dataset") from err


def score_run(
    store: RunStore, run: RunRecord, hidden: Dataset, max_parameters: int | None, max_epochs: int | None
) -> Score:
    """Rebuild `run`'s model from its spec and final weights and score it on `hidden.test`."""
    if run.recipe != "supervised":
        raise ClassroomError(
            f"run {run.id} trained with the {run.recipe} recipe: hand in a model trained to predict the "
            "targets (the usual supervised training)",
            "run",
        )
    model = _rebuild(store, run)
    parameters = sum(p.numel() for p in model.parameters())
    problems = []
    if max_parameters is not None and parameters > max_parameters:
        problems.append(
            f"the model has {parameters:,} weights, more than the challenge's limit of {max_parameters:,}: "
            "use fewer units or layers"
        )
    if max_epochs is not None and run.epochs > max_epochs:
        problems.append(
            f"it trained {run.epochs} epochs, more than the challenge's limit of {max_epochs}: "
            "train it again with fewer epochs"
        )
    x, y = hidden.test
    try:
        out = Objective.outputs(model, x)
    except (RuntimeError, ValueError) as err:  # a spec edited by hand that does not fit the data
        raise ClassroomError(
            f"run {run.id}'s model does not take this challenge's data ({err})", "run"
        ) from err
    objective = make_objective(
        run.config.get("loss", "cross_entropy"), hidden.task, hidden.num_classes, tuple(out.shape[1:])
    )
    if not torch.isfinite(out).all():
        problems.append("its answers on the hidden examples are not numbers (NaN): it diverged, train again")
        return Score(None, [], parameters, problems)
    if not objective.scores_classes:
        return Score(objective.scores(out, y)["r2"], [], parameters, problems)
    names = hidden.class_names or [str(i) for i in range(objective.num_classes or 2)]
    report = classification_report(
        objective.predict(out), objective.labels(adapt_targets(objective, y)), names
    )
    per_class = [
        {"class": row["class"], "accuracy": float(row["recall"]), "examples": int(row["support"])}
        for row in report["per_class"].to_dict("records")
    ]
    return Score(report["test_accuracy"], per_class, parameters, problems)


def _rebuild(store: RunStore, run: RunRecord) -> torch.nn.Module:
    """The run's main model with its final weights, strictly: every weight must match the spec."""
    try:
        model = build_model(run.spec)
        weights = store.weights(run.id, "final")
    except DlcoreError as err:
        raise ClassroomError(f"run {run.id} cannot be handed in: {err.message}", "run") from err
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as err:
        raise ClassroomError(
            f"run {run.id}'s kept weights do not fit its model, so it cannot be scored", "run"
        ) from err
    return model
