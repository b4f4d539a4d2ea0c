"""Checking a lesson: its claim (the lesson's tests run it on every CI run) and a student's answer.

outcomes = check_claim(lesson)            # trains the claim's runs; one Outcome per condition
verdict = check_answer(lesson, 2)          # a choice's index or a number
verdict = check_challenge(lesson, run)     # the student's own run, a RunResult (runs.result_of)
"""

from __future__ import annotations

from dataclasses import dataclass

from dlcore.errors import DlcoreError
from dlcore.lessons.lesson import Lesson, LessonError
from dlcore.lessons.measures import Outcome, judge
from dlcore.lessons.pages import lesson_dataset
from dlcore.lessons.runs import RunResult, run

STUDENT = "you"  # the student's run, in a challenge's conditions


def check_claim(lesson: Lesson) -> list[Outcome]:
    """Train every run of the lesson's claim and judge each of its conditions."""
    results: dict[str, RunResult] = {}
    for name in lesson.claim.runs:  # in the file's order: a run may start from the weights of one before
        results[name] = run(lesson, name, results)
    outcomes = []
    for i, condition in enumerate(lesson.claim.expect):
        try:
            outcomes.append(judge(condition, results))
        except DlcoreError as err:
            raise LessonError(lesson.id, f"claim.expect[{i}]", err.message) from None
    return outcomes


@dataclass(frozen=True)
class Verdict:
    """`passed`, a sentence for the student, and the measured conditions of a challenge (if any)."""

    passed: bool
    message: str
    outcomes: tuple[Outcome, ...] = ()


def check_answer(lesson: Lesson, answer: int | float | str) -> Verdict:
    """A choice question's option index, or a number question's number (text is read as a number)."""
    question = lesson.question
    if question.kind == "choice":
        if not isinstance(answer, int) or not 0 <= answer < len(question.options):
            return Verdict(False, "Pick one of the answers first.")
        if answer == question.answer:
            return Verdict(True, f"Right. {question.explain}")
        return Verdict(False, "Not quite: look again at what the experiment shows, then try another answer.")
    if question.kind == "number":
        try:
            value = float(answer)
        except (TypeError, ValueError):
            return Verdict(False, f"Type a number{f' ({question.unit})' if question.unit else ''}, e.g. 0.1.")
        if question.low <= value <= question.high:
            within = (
                "" if question.low == question.high else f" is within {question.low:g} to {question.high:g}"
            )
            return Verdict(True, f"Right: {value:g}{within}. {question.explain}")
        side = "too small" if value < question.low else "too large"
        return Verdict(False, f"{value:g} is {side}: try the experiment with it and watch what happens.")
    raise DlcoreError("this lesson's question is a challenge: it is checked on your run, not on an answer")


def check_challenge(lesson: Lesson, result: RunResult | None) -> Verdict:
    """Judge the challenge's conditions on the student's run (None: no run on the lesson's page yet)."""
    if lesson.question.kind != "challenge":
        raise DlcoreError("this lesson's question is answered by typing, not by a run")
    if result is None:
        first = f"Train a model on the {lesson.page} page first"
        return Verdict(False, f"{first}: the challenge is checked on your run.")
    expected, trained = lesson_dataset(lesson), getattr(result.dataset, "name", None)
    if expected is not None and trained != expected:
        return Verdict(
            False,
            f"This challenge is on the {expected} data, and your run trained on {trained}: "
            f"choose {expected} again and train.",
        )
    try:
        outcomes = tuple(judge(c, {STUDENT: result}, STUDENT) for c in lesson.question.conditions)
    except DlcoreError as err:
        return Verdict(False, f"Your run cannot be checked: {err.message}")
    if all(o.passed for o in outcomes):
        return Verdict(True, f"Challenge passed. {lesson.question.explain}", outcomes)
    missing = sum(not o.passed for o in outcomes)
    return Verdict(False, f"Not yet: {missing} of {len(outcomes)} conditions still to meet.", outcomes)
