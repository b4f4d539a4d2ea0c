"""What the classroom refuses, on SQLite and PostgreSQL: another student's or another class's runs,
hand-ins and challenges; runs not trained on the challenge's data; a made-up student; a wrong teacher
password; and a burst of wrong passwords, slowed down for every server sharing the database."""

from __future__ import annotations

import pytest

import dlcore
from dlcore.classroom import TEACHER, Classroom, ClassroomError, TooManyAttempts, configured_password
from dlcore.classroom import teacher as teacher_module
from dlcore.classroom.service import StudentRecord
from tests.classroom.conftest import PASSWORD, train


@pytest.fixture
def two_classes(room):
    """Two classes with a digits challenge each; Ada and Grace in the first, Mallory in the second."""
    first, second = room.create_class("First"), room.create_class("Second")
    challenge = room.create_challenge(first.id, "Digits", "digits", target=0.1)
    other_challenge = room.create_challenge(second.id, "Digits too", "digits", target=0.1)
    ada, grace = room.join(first.code, "Ada")[0], room.join(first.code, "Grace")[0]
    mallory = room.join(second.code, "Mallory")[0]
    return challenge, other_challenge, ada, grace, mallory


def refused(field: str, words: str, call, *args) -> None:
    """`call(*args)` raises ClassroomError saying `words` (a pattern) about `field`."""
    with pytest.raises(ClassroomError, match=words) as caught:
        call(*args)
    assert caught.value.field == field


def test_a_student_cannot_hand_in_another_students_run(room, two_classes):
    challenge, other_challenge, ada, grace, mallory = two_classes
    adas = train(challenge, ada.owner, epochs=1)
    refused("run", "not one of your runs", room.hand_in, grace, challenge.id, adas)
    malloys = train(other_challenge, mallory.owner, epochs=1)
    refused("run", "not one of your runs", room.hand_in, ada, challenge.id, malloys)
    refused("run", "no run 10000", room.hand_in, ada, challenge.id, 10_000)
    assert room.hand_ins(grace) == []


def test_a_student_cannot_hand_in_to_or_read_another_classes_challenge(room, two_classes):
    challenge, other_challenge, ada, _, mallory = two_classes
    run_id = train(challenge, ada.owner, epochs=1)
    refused("challenge", "not one of your class", room.hand_in, ada, other_challenge.id, run_id)
    room.share_leaderboard(challenge.id)
    refused("challenge", "not one of your class", room.leaderboard, challenge.id, mallory)


def test_only_runs_trained_on_the_challenges_data_can_be_handed_in(room, two_classes):
    challenge, other_challenge, ada, _, _ = two_classes
    everything = train(challenge, ada.owner, epochs=1, options=challenge.options)  # the hidden ones too
    refused("run", "other data", room.hand_in, ada, challenge.id, everything)
    other_key = train(challenge, ada.owner, epochs=1, options=other_challenge.data_options)
    refused("run", "other data", room.hand_in, ada, challenge.id, other_key)
    iris_model = {"input_shape": [4], "layers": [{"type": "Linear", "out_features": 3}]}
    iris = train(challenge, ada.owner, iris_model, {}, dataset="iris", epochs=1)
    refused("run", "other data", room.hand_in, ada, challenge.id, iris)
    good = train(challenge, ada.owner, epochs=1)
    assert [run.id for run in room.runs_to_hand_in(ada, challenge.id)] == [good]  # what a picker offers


def test_a_run_still_training_cannot_be_handed_in(room, two_classes):
    challenge, _, ada, _, _ = two_classes
    data = dlcore.data.load(challenge.dataset, **challenge.data_options)
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], data, dlcore.TrainConfig(epochs=1), owner=ada.owner, paused=True
    )
    try:
        dlcore.runs.run_writer().flush()
        refused("run", "still training", room.hand_in, ada, challenge.id, job.run_id)
    finally:
        job.stop()
        job.wait(60)


def test_a_made_up_student_record_is_refused(room, two_classes):
    challenge, _, ada, _, _ = two_classes
    run_id = train(challenge, ada.owner, epochs=1)
    forged = StudentRecord(ada.id, ada.class_id, ada.name, "student-guessed")
    refused("code", "join it again", room.hand_in, forged, challenge.id, run_id)
    refused("code", "join it again", room.hand_ins, forged)
    refused("code", "join it again", room.hand_ins, StudentRecord(999, ada.class_id, "Eve", ada.owner))


def test_the_teacher_opens_only_runs_of_the_classes_students(room, two_classes):
    challenge, other_challenge, ada, _, mallory = two_classes
    adas, mallorys = train(challenge, ada.owner, epochs=1), train(other_challenge, mallory.owner, epochs=1)
    assert room.class_run(challenge.class_id, adas).id == adas
    refused("run", "not a run of this class", room.class_run, challenge.class_id, mallorys)
    teachers_own = train(challenge, "tab-of-the-teacher", epochs=1)
    refused("run", "not a run of this class", room.class_run, challenge.class_id, teachers_own)


def test_a_wrong_teacher_password_is_refused_and_the_right_one_accepted(room):
    assert room.teacher_password_configured()
    refused("password", "not the teacher", room.check_teacher_password, "correct horse ", "10.0.0.7")
    refused("password", "not the teacher", room.check_teacher_password, "", "10.0.0.7")
    assert room.check_teacher_password(PASSWORD, "10.0.0.7") is None


def test_a_burst_of_wrong_passwords_is_slowed_down_for_every_server_sharing_the_database(room, clock):
    other_server = Classroom(room.store, teacher_password=PASSWORD, clock=clock)
    for guess in range(teacher_module.FREE_TRIES):
        refused("password", "not the teacher", room.check_teacher_password, f"guess {guess}", "10.0.0.9")
    # The next try waits, even with the right password, and on the other server too.
    for server in (room, other_server):
        with pytest.raises(TooManyAttempts) as slowed:
            server.check_teacher_password(PASSWORD, "10.0.0.9")
        assert slowed.value.wait_s == pytest.approx(teacher_module.FIRST_WAIT_S)
        assert slowed.value.field == "password" and "wait 2 s" in slowed.value.message
    assert room.check_teacher_password(PASSWORD, "10.0.0.10") is None  # another client is not slowed
    clock.now += teacher_module.FIRST_WAIT_S
    refused("password", "not the teacher", other_server.check_teacher_password, "one more", "10.0.0.9")
    with pytest.raises(TooManyAttempts) as slowed:  # each wrong one doubles the wait
        room.check_teacher_password(PASSWORD, "10.0.0.9")
    assert slowed.value.wait_s == pytest.approx(2 * teacher_module.FIRST_WAIT_S)
    clock.now += 2 * teacher_module.FIRST_WAIT_S
    assert room.check_teacher_password(PASSWORD, "10.0.0.9") is None  # right: the slate is wiped
    refused("password", "not the teacher", room.check_teacher_password, "again", "10.0.0.9")


def test_wrong_passwords_are_forgotten_after_the_window(room, clock):
    for guess in range(teacher_module.FREE_TRIES):
        refused("password", "not the teacher", room.check_teacher_password, f"guess {guess}", "pc")
    clock.now += teacher_module.WINDOW_S + 1
    assert room.check_teacher_password(PASSWORD, "pc") is None


def test_without_a_teacher_password_no_one_is_a_teacher(room, monkeypatch):
    monkeypatch.delenv(teacher_module.PASSWORD_ENV, raising=False)
    monkeypatch.setattr("sys.argv", ["app.py"])
    locked = Classroom(room.store)
    assert not locked.teacher_password_configured()
    refused("password", "No teacher password is set", locked.check_teacher_password, "", "pc")


def test_the_password_comes_from_the_command_line_or_the_environment(monkeypatch):
    monkeypatch.setenv(teacher_module.PASSWORD_ENV, "from-env")
    assert configured_password(["--server.port", "8501"]) == "from-env"
    assert configured_password(["--teacher-password", "s3cret"]) == "s3cret"
    assert configured_password(["--teacher-password=s3 cret"]) == "s3 cret"
    monkeypatch.delenv(teacher_module.PASSWORD_ENV)
    assert configured_password([]) is None


def test_the_leaderboard_is_the_teachers_alone_until_shared(room, two_classes):
    challenge, _, ada, grace, _ = two_classes
    room.hand_in(ada, challenge.id, train(challenge, ada.owner, epochs=1))
    assert [r.student for r in room.leaderboard(challenge.id, TEACHER)] == ["Ada"]
    refused("challenge", "not shared", room.leaderboard, challenge.id, grace)
    refused("code", "join it again", room.leaderboard, challenge.id, "teacher?")


def test_the_process_classroom_is_on_the_process_run_store_with_the_configured_password(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(teacher_module.PASSWORD_ENV, "from-env")
    monkeypatch.setattr("sys.argv", ["app.py"])
    room = dlcore.classroom_service()
    assert room is dlcore.classroom_service() and room.store is dlcore.run_store()
    assert room.check_teacher_password("from-env", "pc") is None


@pytest.mark.parametrize("how", ["start_weights", "resume_from"])
def test_a_run_started_from_saved_weights_cannot_be_handed_in(room, two_classes, how):
    challenge, _, ada, _, _ = two_classes
    # Weights trained on everything, the hidden examples too, then carried into a run on the challenge's data.
    everything = dlcore.data.load(challenge.dataset, **challenge.options)
    spec = dlcore.presets()["digits_mlp"]
    peek = dlcore.start_training(spec, everything, dlcore.TrainConfig(epochs=1), owner=ada.owner)
    assert peek.wait(120)
    saved = dlcore.checkpoint_bytes(peek.spec, peek.snapshot())
    data = dlcore.data.load(challenge.dataset, **challenge.data_options)
    job = dlcore.start_training(spec, data, dlcore.TrainConfig(epochs=1), owner=ada.owner, **{how: saved})
    assert job.wait(120)
    dlcore.runs.run_writer().flush()
    assert room.store.run(job.run_id).started_from == ("weights" if how == "start_weights" else "checkpoint")
    refused("run", "started from saved weights", room.hand_in, ada, challenge.id, job.run_id)
