"""The Classroom page's student view in AppTest: joining with a code and a name (a wrong code or a taken
name explained, the key given back), the runs the tab trains are the student's, Open on Train sets up the
challenge's data, a run is handed in and scored on the hidden examples (class by class), and the
leaderboard shows only once the teacher shares it."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import dlcore
from tests.conftest import APP, APP_TIMEOUT_S
from tests.ui.classroom.support import challenge_run, class_with_challenge, open_classroom, texts
from ui.state import CLASS_STUDENT, OWNER, TRAIN_SETUP

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def join(at, code: str, name: str, key: str = ""):
    at.text_input(key="class.code").input(code)
    at.text_input(key="class.name").input(name)
    at.text_input(key="class.key").input(key)
    at.button(key="class.join_button").click().run()
    assert not at.exception
    return at


def joined(app, klass, name: str = "Ada"):
    """A tab of the student `name`, joined through the page's link to the class."""
    at = join(open_classroom(app, {"code": klass.code}), klass.code, name)
    return at, at.session_state[CLASS_STUDENT]


def test_a_wrong_code_is_explained_and_the_form_stays(app):
    at = join(open_classroom(app), "ZZZZZZ", "Ada")
    assert "no class has the code 'ZZZZZZ'" in at.error[0].value
    assert CLASS_STUDENT not in at.session_state and at.text_input(key="class.name").value == "Ada"


def test_joining_makes_the_tabs_runs_the_students_and_gives_the_key_to_join_again(app):
    klass, challenge = class_with_challenge()
    at = open_classroom(app, {"code": klass.code})
    assert at.text_input(key="class.code").value == klass.code  # the teacher's link fills the code in
    join(at, klass.code.lower(), "Ada")
    student = at.session_state[CLASS_STUDENT]
    assert at.session_state[OWNER] == student.owner  # what the tab trains from now on is Ada's
    assert dlcore.runs.who_is(student.owner) == "Ada"
    shown = texts(at)
    assert "You are **Ada** in **Year 11**" in shown and "Digits" in shown
    key = shown.split("join again as yourself: **")[1].split("**")[0]
    other = open_classroom(AppTest.from_file(APP, default_timeout=APP_TIMEOUT_S))  # another tab or computer
    join(other, klass.code, "ada")
    assert "has already joined this class" in other.error[0].value
    join(other, klass.code, "Ada", key)
    assert other.session_state[CLASS_STUDENT] == student


def test_open_on_train_sets_up_the_challenges_data_and_keeps_its_epochs_within_the_limit(app):
    klass, challenge = class_with_challenge(max_epochs=5)
    at, _ = joined(app, klass)
    at.button(key="class.open_train").click().run()
    assert not at.exception
    setup = at.session_state[f"{TRAIN_SETUP}.state"]
    assert setup.dataset == "digits"
    assert dlcore.data.load("digits", **setup.data_options).options == challenge.data_options  # what it takes
    assert setup.settings["epochs"] == 5
    assert at.query_params["data.holdout"] == challenge.holdout  # a reload keeps the challenge's data
    assert "some examples are kept hidden" in texts(at)


def test_a_run_handed_in_is_scored_on_the_hidden_examples_class_by_class(app):
    klass, challenge = class_with_challenge(target=0.5)
    at, student = joined(app, klass)
    challenge_run(challenge, student, options={})  # on all of digits: not the challenge's data
    run_id = challenge_run(challenge, student, epochs=3)
    at.run()
    offered = at.selectbox(key=f"class.run.{challenge.id}").options
    assert len(offered) == 1 and offered[0].startswith(f"#{run_id} ")
    at.button(key="class.hand_in").click().run()
    assert not at.exception
    (handed,) = dlcore.classroom_service().hand_ins(student)
    assert handed.run_id == run_id and handed.passed
    mine, per_class = at.dataframe[0].value, at.dataframe[1].value
    assert mine["run"].tolist() == [f"#{run_id}"] and mine["score"].tolist() == pytest.approx([handed.score])
    assert mine["met"].tolist() == ["✓"]
    assert per_class["class"].tolist() == [str(c) for c in range(10)]
    assert per_class["examples"].sum() == sum(row["examples"] for row in handed.per_class) > 0


def test_a_run_over_the_limits_is_scored_but_says_why_it_does_not_count(app):
    klass, challenge = class_with_challenge(max_parameters=100)
    at, student = joined(app, klass)
    challenge_run(challenge, student)
    at.run()
    at.button(key="class.hand_in").click().run()
    assert not at.exception
    why = at.dataframe[0].value["why not"].tolist()[0]
    assert "more than the challenge's limit of 100" in why


def test_the_leaderboard_shows_only_once_the_teacher_shares_it_and_without_run_numbers(app):
    service = dlcore.classroom_service()
    klass, challenge = class_with_challenge(target=0.5)
    at, student = joined(app, klass)
    service.hand_in(student, challenge.id, challenge_run(challenge, student))
    at.run()
    assert "once your teacher shares it" in texts(at) and len(at.dataframe) == 2  # mine and per class
    service.share_leaderboard(challenge.id)
    at.run()
    board = at.dataframe[2].value
    assert board["student"].tolist() == ["Ada"] and "run" not in board.columns


def test_a_closed_challenge_takes_no_more_hand_ins(app):
    klass, challenge = class_with_challenge()
    at, student = joined(app, klass)
    challenge_run(challenge, student)
    dlcore.classroom_service().close_challenge(challenge.id)
    at.run()
    assert "This challenge is closed" in texts(at) and not [b for b in at.button if b.key == "class.hand_in"]
