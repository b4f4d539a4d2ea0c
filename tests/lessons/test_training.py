"""The training lessons' search runs and measures (dlcore.lessons.training)."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore.errors import DlcoreError
from dlcore.lessons import LessonError, RunResult, check_claim, read_lesson
from dlcore.lessons.measures import measure
from dlcore.lessons.runs import run
from dlcore.lessons.training import SearchResult, trial_points

TABLE_MLP = {
    "input_shape": [13],
    "layers": [
        {"type": "Linear", "out_features": 4},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 3},
    ],
}


def lesson(runs, expect=None):
    return read_lesson(
        "search_test",
        {
            "title": "t",
            "level": "beginner",
            "minutes": 5,
            "topic": "Practice",
            "concept": "c",
            "page": "train",
            "state": {"model": TABLE_MLP, "data": "wine", "optimizer": "sgd", "lr": "0.1", "epochs": "2"},
            "goal": "g",
            "steps": ["s"],
            "notice": "n",
            "question": {"kind": "number", "prompt": "p", "low": 0, "high": 1, "explain": "e"},
            "claim": {"says": "s", "runs": runs, "expect": expect or [{"value": 1, "above": 0}]},
        },
    )


ranges = st.tuples(st.floats(1e-5, 1e3), st.floats(1.01, 1e3)).map(lambda t: (t[0], t[0] * t[1]))


@given(ranges, ranges, st.integers(1, 5))
def test_a_grid_tries_every_combination_of_a_few_values_from_end_to_end(lr, width, per_axis):
    points = trial_points("grid", {"lr": lr, "width": width}, per_axis**2)
    assert len(points) == per_axis**2
    for name, (low, high) in (("lr", lr), ("width", width)):
        values = sorted({p[name] for p in points})
        assert len(values) == per_axis
        if per_axis > 1:
            assert math.isclose(values[0], low) and math.isclose(values[-1], high)
    assert len({(p["lr"], p["width"]) for p in points}) == len(points)


@given(ranges, st.integers(1, 30), st.integers(0, 100))
def test_random_trials_stay_in_range_and_repeat_with_the_seed(lr, trials, seed):
    points = trial_points("random", {"lr": lr}, trials, seed)
    assert len(points) == trials
    assert all(lr[0] * (1 - 1e-9) <= p["lr"] <= lr[1] * (1 + 1e-9) for p in points)
    assert points == trial_points("random", {"lr": lr}, trials, seed)


def test_a_grid_whose_trials_do_not_fill_it_says_how_many_would():
    with pytest.raises(DlcoreError, match="must be 3 × 3 = 9 or the like, not 8"):
        trial_points("grid", {"lr": (0.1, 1), "width": (8, 64)}, 8)


def test_a_search_keeps_the_trial_with_the_best_validation_score():
    space = {"lr": [0.001, 1.0], "width": [2, 32]}
    result = run(lesson({"grid": {"search": {"method": "grid", "trials": 4, "space": space}}}), "grid")
    assert isinstance(result, SearchResult) and len(result.trials) == 4
    assert sorted(result.trials["lr"].unique()) == [0.001, 1.0]
    assert sorted(result.trials["width"].unique()) == [2, 32]
    best = result.trials.loc[result.trials["validation"].idxmax()]
    assert result.model[0].out_features == best["width"]  # the kept model is the best trial's
    assert result.history["val_accuracy"].iloc[-1] == best["validation"]
    assert measure({"run": "grid", "measure": "tried", "setting": "lr"}, {"grid": result}) == 2
    assert measure("grid.trials", {"grid": result}) == 4


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ({"method": "bayes", "trials": 4, "space": {"lr": [0.1, 1]}}, "search.method"),
        ({"method": "grid", "trials": 0, "space": {"lr": [0.1, 1]}}, "search.trials"),
        ({"method": "grid", "trials": 4, "space": {"optimizer": [0.1, 1]}}, "search.space"),
        ({"method": "grid", "trials": 4, "space": {"lr": [1, 0.1]}}, "search.space.lr"),
        ({"method": "grid", "trials": 3, "space": {"lr": [0.1, 1], "width": [2, 8]}}, "search.trials"),
    ],
)
def test_a_malformed_search_names_the_lesson_and_the_field(search, field):
    with pytest.raises(LessonError, match=f"Lesson 'search_test', field 'claim.runs.a.{field}'"):
        check_claim(lesson({"a": {"search": search}}))


def test_measuring_the_trials_of_a_plain_run_says_it_is_not_a_search():
    with pytest.raises(LessonError, match="claim.expect.0.*not a search"):
        check_claim(lesson({"a": {}}, [{"value": "a.trials", "above": 0}]))


class Lookup(nn.Module):
    """Knows each test image by heart: right on the images as they are, wrong on any other."""

    def __init__(self, inputs, labels):
        super().__init__()
        self.inputs, self.labels = inputs, labels

    def forward(self, x):
        same = (x.flatten(1)[:, None] == self.inputs.flatten(1)[None]).all(-1)  # (B, N)
        known = same.any(1)
        label = torch.where(known, self.labels[same.float().argmax(1)], (self.labels[0] + 1) % 10)
        return nn.functional.one_hot(label, 10).float()


def test_augmented_test_accuracy_scores_changed_test_images():
    dataset = dlcore.data.load("digits")
    model = Lookup(*dataset.test)
    result = RunResult(model, dataset, {}, "cross_entropy", history=None, grad_norms=None, status="finished")
    assert result.final["test_accuracy"] == 1.0
    shifted = measure({"run": "a", "measure": "augmented_test_accuracy", "augment": "shift"}, {"a": result})
    assert shifted < 0.5
    with pytest.raises(DlcoreError, match="needs kinds from shift"):
        measure({"run": "a", "measure": "augmented_test_accuracy", "augment": "blur"}, {"a": result})


def test_stopped_early_tells_early_stopping_from_a_run_that_trained_all_its_epochs():
    runs = {
        "patient": {"set": {"early_stopping_patience": "1", "optimizer": "adam", "lr": "0.5"}, "epochs": 200},
        "full": {},
    }
    expect = [
        {"value": "patient.stopped_early", "at_least": 1},
        {"value": "patient.epochs", "below": 200},
        {"value": "full.stopped_early", "at_most": 0},
    ]
    assert all(outcome.passed for outcome in check_claim(lesson(runs, expect)))
