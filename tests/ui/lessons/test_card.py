"""The lesson card in AppTest: it checks a choice, a number and a challenge on the student's own run, on
the server; a lesson answered right is ticked for the browser session; Next opens the next lesson."""

from __future__ import annotations

import dataclasses
import time

import pytest

import dlcore
from tests.ui.lessons.support import LESSONS, button, lessons_on, open_page, sidebar_text, use_course
from ui.state import JOB, LESSONS_PASSED, PLAYGROUND_RUNS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
CHOICE = next(x for x in LESSONS if x.question.kind == "choice")
TRAIN_CHALLENGE = next(x for x in lessons_on("train", "challenge"))


def test_a_wrong_choice_is_refused_and_the_right_one_passes_the_lesson(app, tabs):
    at = open_page(app, CHOICE.page, {"lesson": CHOICE.id})
    tabs.append(at)
    radio = at.sidebar.radio(key=f"lesson-answer-{CHOICE.id}")
    assert radio.label == CHOICE.question.prompt
    wrong = next(i for i in range(len(CHOICE.question.options)) if i != CHOICE.question.answer)
    radio.set_value(wrong)
    button(at, "Check").click().run()
    assert "Not quite" in at.sidebar.warning[0].value and not at.sidebar.success
    assert CHOICE.id not in at.session_state[LESSONS_PASSED]
    at.sidebar.radio(key=f"lesson-answer-{CHOICE.id}").set_value(CHOICE.question.answer)
    button(at, "Check").click().run()
    assert not at.exception
    assert at.sidebar.success[0].value == f"Right. {CHOICE.question.explain}"
    assert "✓ passed" in sidebar_text(at)
    at.switch_page("pages/lessons.py").run()  # remembered for the session: ticked in the course
    assert any(m.value.startswith(f"**{CHOICE.order}. {CHOICE.title}** ✓") for m in at.markdown)


def test_a_number_question_checks_the_number_against_its_range(app, tabs, monkeypatch):
    question = dlcore.lessons.Question(
        "number",
        "Which learning rate diverged first?",
        "Above about 1 SGD overshoots.",
        low=1,
        high=10,
        unit="lr",
    )
    lesson = dataclasses.replace(CHOICE, question=question)
    use_course(monkeypatch, lesson)
    at = open_page(app, lesson.page, {"lesson": lesson.id})
    tabs.append(at)
    box = at.sidebar.number_input(key=f"lesson-answer-{lesson.id}")
    box.set_value(0.5)
    button(at, "Check").click().run()
    assert at.sidebar.warning[0].value.startswith("0.5 is too small")
    at.sidebar.number_input(key=f"lesson-answer-{lesson.id}").set_value(3)
    button(at, "Check").click().run()
    assert not at.exception
    assert at.sidebar.success[0].value.startswith("Right: 3 is within 1 to 10.")


def test_a_challenge_is_measured_on_the_students_own_run_with_every_number_shown(app, tabs):
    at = open_page(app, "train", {"lesson": TRAIN_CHALLENGE.id})
    tabs.append(at)
    button(at, "Check my run").click().run()
    assert "first" in at.sidebar.warning[0].value  # no run yet: train one
    next(b for b in at.button if b.label == "Step 1 batch").click().run()  # a run of one batch
    job = at.session_state[JOB]
    button(at, "Check my run").click().run()
    assert not at.exception
    result = dlcore.lessons.result_of(job, job.dataset, {}, job.config.loss)
    expected = dlcore.lessons.check_challenge(TRAIN_CHALLENGE, result)
    shown = at.sidebar.success if expected.passed else at.sidebar.warning
    assert shown[0].value == expected.message
    lines = next(m.value for m in at.sidebar.markdown if m.value.startswith(("- ✓", "- ✗")))
    assert lines.splitlines() == [f"- {'✓' if o.passed else '✗'} {o.text}" for o in expected.outcomes]


def test_the_learning_rate_challenge_passes_on_a_run_with_the_lessons_settings(app, tabs):
    lesson = next((x for x in LESSONS if x.id == "learning_rate"), None)
    if lesson is None:
        pytest.skip("the course has no learning_rate lesson")
    at = open_page(app, "train", {"lesson": lesson.id})
    tabs.append(at)
    next(b for b in at.button if b.label == "Start").click().run()
    assert at.session_state[JOB].wait(120)
    at.run()
    button(at, "Check my run").click().run()
    assert not at.exception
    assert at.sidebar.success[0].value.startswith("Challenge passed.")
    assert "test_accuracy = 0.9" in sidebar_text(at)  # each condition with its measured number


def test_a_playground_challenge_is_checked_on_network_as_run(app, tabs, monkeypatch):
    question = dlcore.lessons.Question(
        "challenge",
        "Train network A for one epoch.",
        "One epoch is one pass over the training points.",
        conditions=(dlcore.lessons.Condition("epochs", "at_least", 1.0),),
    )
    lesson = dataclasses.replace(lessons_on("playground")[0], question=question)
    use_course(monkeypatch, lesson)
    at = open_page(app, "playground", {"lesson": lesson.id})
    tabs.append(at)
    button(at, "Check my run").click().run()
    assert at.sidebar.warning[0].value.startswith("Not yet")  # the untrained network: 0 epochs
    at.button(key="pg-step_epoch").click().run()  # one epoch, then it pauses
    job = at.session_state[PLAYGROUND_RUNS]["A"].job
    for _ in range(600):
        if job.status == "paused" and len(job.epoch_metrics()):
            break
        time.sleep(0.05)
    button(at, "Check my run").click().run()
    assert not at.exception
    assert at.sidebar.success[0].value.startswith("Challenge passed.")
    assert "epochs = 1 ≥ 1" in sidebar_text(at)


def test_next_lesson_opens_the_next_in_course_order_with_its_values_in_the_widgets(app, tabs, monkeypatch):
    first = next(x for x in lessons_on("train") if "lr" in x.state)
    second = dataclasses.replace(
        first, id="next_one", title="The next one", state={**first.state, "lr": "0.5"}
    )
    use_course(monkeypatch, first, second)
    at = open_page(app, "train", {"lesson": first.id})
    tabs.append(at)
    at.number_input(key="train.lr").set_value(0.0003).run()  # the student's own change
    button(at, "Next lesson").click().run()
    assert not at.exception
    assert at.number_input(key="train.lr").value == 0.5
    assert "Lesson 2 of 2" in sidebar_text(at) and "The next one" in sidebar_text(at)
    assert at.query_params["lesson"] in ("next_one", ["next_one"])
    assert button(at, "Next lesson").disabled  # the last lesson
