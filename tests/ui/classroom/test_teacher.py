"""The Classroom page's teacher view in AppTest: behind the teacher password (a wrong one refused, a burst
slowed down), a class is created and its code shown big, challenges are set, shared and closed, the
leaderboard ranks the hand-ins, and a student's latest run opens read-only."""

from __future__ import annotations

import json

import pytest

import dlcore
from tests.ui.classroom.support import PASSWORD, challenge_run, class_with_challenge, open_classroom, texts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def unlocked(app, query: dict[str, str] | None = None):
    at = open_classroom(app, {"as": "teacher", **(query or {})})
    at.text_input(key="class.password").input(PASSWORD)
    at.button(key="class.unlock_button").click().run()
    assert not at.exception
    return at


def can_create_classes(at) -> bool:
    return "class.new_name" in [box.key for box in at.text_input]


def test_without_a_teacher_password_the_view_says_how_to_set_one(app, monkeypatch):
    monkeypatch.delenv("DLP_TEACHER_PASSWORD")
    at = open_classroom(app, {"as": "teacher"})
    assert "DLP_TEACHER_PASSWORD" in at.info[0].value
    assert "class.password" not in [w.key for w in at.text_input]


def test_a_wrong_password_is_refused_and_the_view_stays_locked(app):
    at = open_classroom(app, {"as": "teacher"})
    at.text_input(key="class.password").input("guess")
    at.button(key="class.unlock_button").click().run()
    assert not at.exception and at.error[0].value == "That is not the teacher password."
    assert not can_create_classes(at)
    at.text_input(key="class.password").input(PASSWORD)
    at.button(key="class.unlock_button").click().run()
    assert not at.error and can_create_classes(at)


def test_after_a_burst_of_wrong_passwords_the_page_says_how_long_to_wait(app, monkeypatch):
    def slowed_down(self, password, client):  # the engine's burst rule (tested there), without waiting
        raise dlcore.TooManyAttempts(42)

    monkeypatch.setattr(dlcore.classroom.Classroom, "check_teacher_password", slowed_down)
    at = open_classroom(app, {"as": "teacher"})
    at.text_input(key="class.password").input(PASSWORD)
    at.button(key="class.unlock_button").click().run()
    assert not at.exception and "wait 42 s" in at.error[0].value
    assert not can_create_classes(at)


def test_the_teacher_creates_a_class_and_its_code_is_shown_big_with_the_joining_link(app):
    at = unlocked(app)
    at.text_input(key="class.new_name").input("Year 11 <b>Tuesday</b>")
    at.button(key="class.create").click().run()
    assert not at.exception
    klass = dlcore.classroom_service().classes()[0]
    assert at.query_params["code"] == klass.code and at.query_params["as"] == "teacher"
    shown = "".join(h.proto.body for h in at.get("html"))
    assert f">{klass.code}</div>" in shown and "font-size:4.2rem" in shown
    assert f"classroom?code={klass.code}" in shown
    assert "&lt;b&gt;Tuesday" in shown  # the class's name is text, never markup


def test_the_teacher_sets_a_challenge_then_shares_its_leaderboard_and_closes_it(app):
    klass = dlcore.classroom_service().create_class("Year 11")
    at = unlocked(app, {"code": klass.code})
    at.text_input(key="class.title").input("Small digits")
    at.number_input(key="class.max_weights").set_value(3000)
    at.button(key="class.set").click().run()
    assert not at.exception
    (challenge,) = dlcore.classroom_service().challenges(klass.id)
    assert (challenge.title, challenge.dataset, challenge.max_parameters, challenge.max_epochs) == (
        "Small digits",
        "digits",
        3000,
        10,
    )
    assert "at most 3,000 weights" in texts(at)
    at.toggle(key=f"class.share.{challenge.id}").set_value(True).run()
    assert dlcore.classroom_service().challenge(challenge.id).leaderboard_shared
    at.button(key=f"class.close.{challenge.id}").click().run()
    assert not at.exception and not dlcore.classroom_service().challenge(challenge.id).open
    assert "Closed." in texts(at)


def test_a_challenge_the_engine_refuses_is_explained_and_nothing_is_set(app):
    klass = dlcore.classroom_service().create_class("Year 11")
    at = unlocked(app, {"code": klass.code})
    at.text_input(key="class.title").input("Generate rings")
    at.selectbox(key="class.dataset").select("ring")
    at.button(key="class.set").click().run()
    assert not at.exception
    assert "dataset" in at.error[0].value and dlcore.classroom_service().challenges(klass.id) == []


def test_the_leaderboard_ranks_the_students_best_hand_ins(app):
    service = dlcore.classroom_service()
    klass, challenge = class_with_challenge(target=0.5)
    scores = {}
    for name, epochs in (("Ada", 1), ("Grace", 4)):
        student, _ = service.join(klass.code, name)
        scores[name] = service.hand_in(student, challenge.id, challenge_run(challenge, student, epochs)).score
    at = unlocked(app, {"code": klass.code, "section": "leaderboard"})
    table = at.dataframe[0].value
    ranked = sorted(scores, key=scores.get, reverse=True)
    assert table["student"].tolist() == ranked and table["#"].tolist() == [1, 2]
    assert table["score"].tolist() == pytest.approx(sorted(scores.values(), reverse=True))
    assert table["run"].notna().all()  # the teacher sees which run each is


def test_a_students_latest_run_opens_read_only_with_its_curves_and_model(app):
    service = dlcore.classroom_service()
    klass, challenge = class_with_challenge()
    student, _ = service.join(klass.code, "Ada")
    run_id = challenge_run(challenge, student, epochs=2)
    score = service.hand_in(student, challenge.id, run_id).score
    service.join(klass.code, "Grace")  # no run yet
    at = unlocked(app, {"code": klass.code, "section": "students"})
    table = at.dataframe[0].value
    assert table["student"].tolist() == ["Ada", "Grace"]
    assert table["latest run"].tolist() == [f"#{run_id} finished", "none yet"]
    assert table["best"].tolist() == [f"{score:.2f}", "—"]  # a student without a hand-in: a dash, not "None"
    at.selectbox(key="class.student").select(student.id).run()
    assert not at.exception
    curves, model = (json.loads(chart.proto.spec) for chart in at.get("plotly_chart"))
    assert curves["data"][0]["name"] == f"#{run_id}" and len(curves["data"][0]["y"]) >= 2
    assert "Linear" in json.dumps(model)  # the network's diagram: its layers
    assert f"run #{run_id}" in texts(at)
    assert not [b for b in at.button if "Open on" in b.label]  # read-only: nothing reopens or edits it
