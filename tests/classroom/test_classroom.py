"""The classroom engine on SQLite and PostgreSQL: a class is created and joined, a challenge set, runs
handed in are scored on the hidden examples, and the leaderboard ranks the students."""

from __future__ import annotations

import csv
import io

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.classroom import TEACHER, ClassroomError
from dlcore.classroom.service import CODE_LENGTH, CODE_LETTERS
from dlcore.data.catalogue import load_hidden
from dlcore.training.objective import Objective
from tests.classroom.conftest import train


@pytest.fixture
def digits_class(room):
    """A class with a digits challenge (a low target, so a short run passes) and two students."""
    cls = room.create_class("  Year 11   physics ")
    challenge = room.create_challenge(cls.id, "Digits", "digits", target=0.5)
    ada, _ = room.join(cls.code, "Ada")
    grace, _ = room.join(cls.code.lower(), "Grace")
    return cls, challenge, ada, grace


def hidden_accuracy(room, challenge, run_id) -> float:
    """The run's accuracy on the hidden examples, worked out here from its weights."""
    model = dlcore.build_model(room.store.run(run_id).spec)
    model.load_state_dict(room.store.weights(run_id))
    x, y = load_hidden(challenge.dataset, **challenge.data_options).test
    return float((Objective.outputs(model, x).argmax(1) == y).float().mean())


def test_a_whole_challenge_ranks_the_students_by_their_score_on_the_hidden_examples(room, digits_class):
    cls, challenge, ada, grace = digits_class
    assert cls.name == "Year 11 physics" and len(cls.code) == CODE_LENGTH
    assert set(cls.code) <= set(CODE_LETTERS) and not set(cls.code) & set("O0I1")
    assert [c.id for c in room.challenges(cls.id, open_only=True)] == [challenge.id]
    assert challenge.metric == "accuracy" and challenge.open and not challenge.leaderboard_shared
    weak, strong = train(challenge, ada.owner, epochs=1, lr=0.0003), train(challenge, grace.owner, epochs=4)
    first, second = room.hand_in(ada, challenge.id, weak), room.hand_in(grace, challenge.id, strong)
    for hand_in, run_id in ((first, weak), (second, strong)):
        assert hand_in.score == pytest.approx(hidden_accuracy(room, challenge, run_id))
        assert hand_in.problems == [] and hand_in.passed == (hand_in.score >= 0.5)
        assert [row["class"] for row in hand_in.per_class] == [str(d) for d in range(10)]
        hidden = load_hidden(challenge.dataset, **challenge.data_options)
        assert sum(row["examples"] for row in hand_in.per_class) == len(hidden.test[0])
    assert second.score > first.score
    board = room.leaderboard(challenge.id, TEACHER)
    assert [(r.rank, r.student, r.run_id) for r in board] == [(1, "Grace", strong), (2, "Ada", weak)]
    assert room.hand_ins(ada) == [first]


def test_a_students_best_hand_in_counts_and_a_later_worse_one_does_not_lower_it(room, digits_class):
    _, challenge, ada, _ = digits_class
    good = room.hand_in(ada, challenge.id, train(challenge, ada.owner, epochs=4))
    worse = room.hand_in(ada, challenge.id, train(challenge, ada.owner, epochs=1, lr=0.0001))
    assert worse.score < good.score
    assert [(r.student, r.score) for r in room.leaderboard(challenge.id, TEACHER)] == [("Ada", good.score)]
    assert [h.id for h in room.hand_ins(ada)] == [worse.id, good.id]  # newest first


def test_limits_are_checked_on_the_rebuilt_model_and_a_hand_in_beyond_them_does_not_pass(room, digits_class):
    cls, _, ada, _ = digits_class
    strict = room.create_challenge(cls.id, "Small", "digits", target=0.1, max_parameters=500, max_epochs=1)
    hand_in = room.hand_in(ada, strict.id, train(strict, ada.owner, epochs=2))
    weights = sum(p.numel() for p in dlcore.build_model(dlcore.presets()["digits_mlp"]).parameters())
    assert hand_in.parameters == weights > 500
    assert not hand_in.passed and len(hand_in.problems) == 2
    assert f"{weights:,} weights" in hand_in.problems[0] and "2 epochs" in hand_in.problems[1]
    assert room.leaderboard(strict.id, TEACHER) == []  # only hand-ins within the limits are ranked


def test_a_regression_challenge_is_scored_by_r2(room):
    cls = room.create_class("Maths")
    challenge = room.create_challenge(cls.id, "Plane", "plane", {"noise": 0.0}, target=0.2)
    assert challenge.metric == "r2" and challenge.options["noise"] == 0.0
    student, _ = room.join(cls.code, "Ada")
    spec = {"input_shape": [2], "layers": [{"type": "Linear", "out_features": 1}]}
    run_id = train(challenge, student.owner, spec=spec, epochs=20, lr=0.03, loss="mse")
    hand_in = room.hand_in(student, challenge.id, run_id)
    assert hand_in.per_class == [] and hand_in.score > 0.9 and hand_in.passed  # a plane is linear


def test_rejoining_needs_the_rejoin_key_so_nobody_takes_over_a_name(room, digits_class):
    cls, _, ada, _ = digits_class
    with pytest.raises(ClassroomError, match="already joined") as refused:
        room.join(cls.code, " ada ")
    assert refused.value.field == "name"
    with pytest.raises(ClassroomError, match="already joined"):
        room.join(cls.code, "Ada", "WRONGKEY")
    other = room.create_class("Other class")
    assert room.join(other.code, "Ada")[0].owner != ada.owner  # a name is only taken within one class


def test_the_rejoin_key_gives_back_the_same_student_and_runs(room):
    cls = room.create_class("Year 9")
    ada, key = room.join(cls.code, "Ada")
    again, same_key = room.join(f" {cls.code.lower()} ", "ADA", key.lower())
    assert again == ada and same_key == key
    assert [s.name for s in room.students(cls.id)] == ["Ada"]


@pytest.mark.parametrize(
    ("call", "field", "words"),
    [
        (lambda room, cls: room.join("ZZZZZZ", "Ada"), "code", "no class has the code"),
        (lambda room, cls: room.join(cls.code, "   "), "name", "type a name"),
        (lambda room, cls: room.join(cls.code, "x" * 41), "name", "at most 40"),
        (lambda room, cls: room.create_class(""), "name", "type a class name"),
        (lambda room, cls: room.create_challenge(cls.id, "T", "digit"), "dataset", "did you mean 'digits'"),
        (lambda room, cls: room.create_challenge(cls.id, "T", "ring"), "dataset", "generation dataset"),
        (lambda room, cls: room.create_challenge(cls.id, "T", "digits", target=90), "target", "between 0"),
        (
            lambda room, cls: room.create_challenge(cls.id, "T", "digits", target="high"),
            "target",
            "not 'high'",
        ),
        (
            lambda room, cls: room.create_challenge(cls.id, "T", "iris", max_epochs=0),
            "max_epochs",
            "at least 1",
        ),
        (lambda room, cls: room.create_challenge(cls.id, "T", "iris", {"sed": 1}), "sed", "did you mean"),
        (lambda room, cls: room.create_challenge(cls.id, "", "iris"), "title", "type a challenge title"),
        (lambda room, cls: room.create_challenge(999, "T", "iris"), "class", "no class 999"),
        (lambda room, cls: room.close_challenge(999), "challenge", "no challenge 999"),
    ],
)
def test_bad_requests_are_refused_with_a_message_naming_the_field(room, call, field, words):
    cls = room.create_class("Year 9")
    with pytest.raises(ClassroomError, match=words) as refused:
        call(room, cls)
    assert refused.value.field == field


def test_a_closed_challenge_takes_no_more_hand_ins_and_keeps_its_scores(room, digits_class):
    _, challenge, ada, _ = digits_class
    run_id = train(challenge, ada.owner, epochs=1)
    room.hand_in(ada, challenge.id, run_id)
    room.close_challenge(challenge.id)
    assert not room.challenge(challenge.id).open and room.challenges(challenge.class_id, open_only=True) == []
    with pytest.raises(ClassroomError, match="closed") as refused:
        room.hand_in(ada, challenge.id, run_id)
    assert refused.value.field == "challenge"
    assert [r.student for r in room.leaderboard(challenge.id, TEACHER)] == ["Ada"]


def test_a_shared_leaderboard_shows_students_names_and_scores_but_no_runs(room, digits_class):
    _, challenge, ada, grace = digits_class
    room.hand_in(ada, challenge.id, train(challenge, ada.owner, epochs=1))
    with pytest.raises(ClassroomError, match="not shared"):
        room.leaderboard(challenge.id, grace)
    room.share_leaderboard(challenge.id)
    board = room.leaderboard(challenge.id, grace)
    assert [(r.student, r.run_id) for r in board] == [("Ada", None)]
    room.share_leaderboard(challenge.id, False)
    with pytest.raises(ClassroomError, match="not shared"):
        room.leaderboard(challenge.id, ada)


def test_the_teacher_sees_every_students_latest_run_and_hand_ins(room, digits_class):
    cls, challenge, ada, grace = digits_class
    older = train(challenge, ada.owner, epochs=1)
    newer = train(challenge, ada.owner, epochs=1)
    hand_in = room.hand_in(ada, challenge.id, older)
    progress = {p.student.name: p for p in room.class_progress(cls.id)}
    assert progress["Ada"].latest_run.id == newer and progress["Ada"].hand_ins == [hand_in]
    assert progress["Grace"].latest_run is None and progress["Grace"].hand_ins == []
    assert room.class_run(cls.id, older).id == older
    assert [r.id for r in room.my_runs(ada)] == [newer, older]


def test_the_csv_export_has_a_row_per_hand_in_and_names_cannot_become_formulas(room):
    cls = room.create_class("Year 9")
    challenge = room.create_challenge(cls.id, "Digits", "digits", target=0.99)
    mallory, _ = room.join(cls.code, "=HYPERLINK(1)")
    hand_in = room.hand_in(mallory, challenge.id, train(challenge, mallory.owner, epochs=1))
    rows = list(csv.DictReader(io.StringIO(room.export_csv(cls.id))))
    assert len(rows) == 1
    row = rows[0]
    assert row["student"] == "'=HYPERLINK(1)" and row["challenge"] == "Digits"
    assert float(row["score"]) == pytest.approx(hand_in.score, abs=1e-4)
    assert row["passed"] == "no" and row["run"] == str(hand_in.run_id) and row["target"] == "0.99"
    assert room.export_csv(room.create_class("Empty").id).count("\n") == 1  # the header alone


def test_the_students_data_is_the_challenges_data_without_the_hidden_examples(room, digits_class):
    _, challenge, _, _ = digits_class
    student_data = dlcore.data.load(challenge.dataset, **challenge.data_options)
    assert student_data.options == {**challenge.options, "holdout": challenge.holdout}
    hidden_x = load_hidden(challenge.dataset, **challenge.data_options).test[0]
    seen = {x.numpy().tobytes() for split in student_data.splits.values() for x in split[0]}
    assert hidden_x.shape[0] > 300 and not any(x.numpy().tobytes() in seen for x in hidden_x)
    assert sum(student_data.sizes.values()) + len(hidden_x) == sum(dlcore.data.load("digits").sizes.values())
    assert torch.equal(
        student_data.normalization.mean, load_hidden("digits", **challenge.data_options).normalization.mean
    )


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40))
@example(name="ß" * 40)  # case-folds to 80 letters
@example(name="  Ada   Lovelace ")
def test_any_name_joins_once_per_class_whatever_its_letters_case(room, name):
    cls = room.create_class("Names")
    shown = " ".join(name.split())
    if not shown:
        with pytest.raises(ClassroomError, match="type a name"):
            room.join(cls.code, name)
        return
    student, key = room.join(cls.code, name)
    assert student.name == shown and room.students(cls.id) == [student]
    shouted = shown.upper()
    if shouted.casefold() == shown.casefold() and len(shouted) <= 40:  # the same name, in capitals
        with pytest.raises(ClassroomError, match="already joined"):
            room.join(cls.code, shouted)
        assert room.join(cls.code, shouted, key.lower()) == (student, key)
