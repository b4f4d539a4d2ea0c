"""A student's answer and run are checked on the server; measures read a run the same way for a claim."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dlcore
from dlcore.lessons import STUDENT, Condition, RunResult, check_answer, check_challenge, course, result_of
from dlcore.lessons.lesson import Question
from dlcore.lessons.measures import judge, measure

MLP = {
    "input_shape": [2],
    "layers": [
        {"type": "Linear", "out_features": 5},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 2},
    ],
}


@pytest.fixture(scope="module")
def run() -> RunResult:
    dataset = dlcore.data.load("xor", val_fraction=0.0)
    job = dlcore.start_training(MLP, dataset, dlcore.TrainConfig(epochs=3, lr=0.05, device="cpu"))
    job.wait()
    return result_of(job, dataset, {"data": "xor"}, "cross_entropy")


def lesson_with(question: Question, lesson_id: str = "perceptron_xor"):
    lesson = course().lesson(lesson_id)  # its data is the xor of the run above
    return type(lesson)(**{**lesson.__dict__, "question": question})


def test_a_choice_is_right_only_at_its_answer():
    question = Question("choice", "?", "Because.", options=("a", "b", "c"), answer=1)
    lesson = lesson_with(question)
    assert check_answer(lesson, 1).passed and "Because." in check_answer(lesson, 1).message
    assert not check_answer(lesson, 0).passed and not check_answer(lesson, 2).passed
    assert not check_answer(lesson, None).passed


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_a_number_is_right_exactly_within_its_range(value):
    lesson = lesson_with(Question("number", "?", "!", low=0.1, high=1.0))
    assert check_answer(lesson, value).passed == (0.1 <= value <= 1.0)
    assert check_answer(lesson, str(value)).passed == (0.1 <= value <= 1.0)


def test_a_number_that_is_not_a_number_asks_for_one():
    verdict = check_answer(lesson_with(Question("number", "?", "!", low=0, high=1, unit="lr")), "fast")
    assert not verdict.passed and "Type a number (lr)" in verdict.message


def test_a_challenge_without_a_run_says_where_to_train():
    verdict = check_challenge(course().lesson("learning_rate"), None)
    assert not verdict.passed and "train page" in verdict.message


def test_a_challenge_is_measured_on_the_students_run(run):
    accuracy = run.final["test_accuracy"]
    easy = Condition("test_accuracy", "at_least", accuracy)
    hard = Condition("test_accuracy", "above", accuracy)
    small = Condition("parameters", "at_most", 5 * 2 + 5 + 5 * 2 + 2)
    passed = check_challenge(
        lesson_with(Question("challenge", "?", "Well done.", conditions=(easy, small))), run
    )
    assert passed.passed and "Well done." in passed.message
    assert [o.passed for o in passed.outcomes] == [True, True]
    failed = check_challenge(lesson_with(Question("challenge", "?", "!", conditions=(easy, hard))), run)
    assert not failed.passed and "1 of 2" in failed.message
    assert f"test_accuracy = {accuracy:.4g} > {accuracy:g}" in failed.outcomes[1].text


def test_a_condition_can_compare_two_runs_and_scale_the_bound(run):
    results = {"a": run, "b": run}
    same = judge(Condition("a.test_loss", "at_most", "b.test_loss"), results)
    assert same.passed and same.value == same.bound
    half = judge(Condition("a.test_loss", "below", "b.test_loss", times=0.5), results)
    assert not half.passed and "0.5 × b.test_loss" in half.text


def test_measures_read_the_model_and_its_history(run):
    results = {STUDENT: run}
    assert measure("parameters", results, STUDENT) == 2 * 5 + 5 + 5 * 2 + 2
    assert measure("hidden_layers", results, STUDENT) == 1
    assert measure("epochs", results, STUDENT) == 3
    first = measure({"measure": "grad_norm", "layer": 0}, results, STUDENT)
    first_layer = run.grad_norms["layer"].iloc[0]
    assert first == pytest.approx(run.grad_norms[run.grad_norms["layer"] == first_layer]["grad_norm"].mean())
    assert measure({"measure": "best", "metric": "train_loss", "mode": "min"}, results, STUDENT) == min(
        run.history["train_loss"]
    )


@pytest.mark.parametrize(
    ("ref", "problem"),
    [
        ("you.speed", "not a measure"),
        ("b.test_loss", "no run 'b'"),
        ({"measure": "grad_norm", "layer": 9}, "no layer 9"),
    ],
)
def test_a_measure_that_cannot_be_taken_says_why(run, ref, problem):
    with pytest.raises(dlcore.DlcoreError, match=problem):
        measure(ref, {STUDENT: run}, STUDENT)


def test_a_diverged_run_has_infinite_losses_and_no_accuracy(run):
    diverged = RunResult(
        run.model, run.dataset, {}, "cross_entropy", run.history, run.grad_norms, "failed", True
    )
    results = {STUDENT: diverged}
    assert measure("test_loss", results, STUDENT) == math.inf
    assert measure("test_accuracy", results, STUDENT) == 0.0
    assert measure("diverged", results, STUDENT) == 1.0
    assert not judge(Condition("test_loss", "below", 1e9), results, STUDENT).passed


def test_a_challenge_counts_only_a_run_on_the_lessons_data(run):
    anything = Condition("test_accuracy", "at_least", 0.0)
    on_digits = lesson_with(Question("challenge", "?", "!", conditions=(anything,)), "learning_rate")
    verdict = check_challenge(on_digits, run)
    assert (
        not verdict.passed and "on the digits data" in verdict.message and "trained on xor" in verdict.message
    )
    assert check_challenge(lesson_with(Question("challenge", "?", "!", conditions=(anything,))), run).passed


def test_epochs_trained_in_earlier_jobs_of_the_network_count(run):
    later = result_of(run.job, run.dataset, {}, "cross_entropy", epochs_before=40)
    assert measure("epochs", {STUDENT: later}, STUDENT) == 43


def test_a_number_with_one_right_value_is_praised_plainly():
    verdict = check_answer(lesson_with(Question("number", "?", "Three lines.", low=3, high=3)), 3)
    assert verdict.passed and verdict.message == "Right: 3. Three lines."
