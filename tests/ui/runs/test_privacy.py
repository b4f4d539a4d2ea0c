"""On a class server (a teacher password is set) a tab sees and changes only its own kept runs: another
student's run is not listed, and a link that ticks it (to compare, rename, note, reopen, export, search
around or delete it) shows nothing of it and changes nothing. What the page sends is read off the element
protos AppTest holds, the bytes a browser would get. On a server of one's own every run is listed."""

from __future__ import annotations

import pytest

import dlcore
from dlcore.runs import run_writer
from tests.ui.lessons.support import open_page
from ui.state import CLASS_STUDENT, CLASS_TEACHER, OWNER, RUNS

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
ADA, BEA = "student-ada", "student-bea"  # two students' owner keys (their tabs' session owners)
SECTIONS = ("compare", "run", "search", "export")


@pytest.fixture(autouse=True)
def class_server(tmp_path, monkeypatch):
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DLP_TEACHER_PASSWORD", "projector")


@pytest.fixture
def runs_of_ada_and_bea() -> tuple[int, int]:
    """A finished run of each student, named so that any trace of it on a page can be found."""
    digits = dlcore.data.load("digits")
    jobs = [
        dlcore.start_training(
            dlcore.presets()["digits_mlp"],
            digits,
            dlcore.TrainConfig(epochs=1),
            owner=owner,
            run_name=f"{owner} marker",
        )
        for owner in (ADA, BEA)
    ]
    for job in jobs:
        assert job.wait(120)
    run_writer().flush()
    return jobs[0].run_id, jobs[1].run_id


def open_as(app, owner: str, query: dict[str, str] | None = None):
    """The Runs page in a tab whose session is `owner`'s (as after joining a class), opened at a link."""
    app.session_state[OWNER] = owner
    return open_page(app, "runs", query)


def sent_to_browser(at) -> bytes:
    """Every element and block the page drew, as the protobuf bytes a browser receives."""
    return b"".join(node.proto.SerializeToString() for node in at._tree if getattr(node, "proto", None))


def test_a_student_lists_only_their_own_runs(app, runs_of_ada_and_bea):
    ada_run, _ = runs_of_ada_and_bea
    at = open_as(app, ADA)
    assert at.dataframe[0].value["id"].tolist() == [ada_run]
    sent = sent_to_browser(at)
    assert b"student-ada marker" in sent and b"student-bea marker" not in sent
    at.text_input(key="runs.search").input("bea").run()  # a search finds nothing of hers either
    assert not at.exception and b"student-bea marker" not in sent_to_browser(at)
    assert not [t for t in at.toggle if t.key == "runs.mine"]  # every run listed is hers: no "Only mine"
    assert all(column.children for column in at.columns)  # and no empty column left where it was


@pytest.mark.parametrize("section", SECTIONS)
def test_a_link_to_another_students_run_shows_and_offers_nothing_of_it(app, runs_of_ada_and_bea, section):
    ada_run, bea_run = runs_of_ada_and_bea
    at = open_as(app, ADA, {"runs": f"{bea_run},{ada_run}", "section": section})
    assert not at.exception
    sent = sent_to_browser(at)
    assert b"student-bea marker" not in sent and f"#{bea_run} ".encode() not in sent
    assert f"#{ada_run} ".encode() in sent  # her own ticked run is there, in every section
    widgets = {node.key for node in at._tree if getattr(node, "key", None)}
    assert not {key for key in widgets if key.endswith(f".{bea_run}")}  # no rename, note, export, delete
    assert at.session_state[f"{RUNS}.state"].ticked == (bea_run, ada_run)  # the link is kept, unused


def test_a_student_cannot_rename_note_delete_or_reopen_another_students_run(app, runs_of_ada_and_bea):
    _, bea_run = runs_of_ada_and_bea
    before = dlcore.run_store().run(bea_run)
    at = open_as(app, ADA, {"runs": str(bea_run), "section": "run"})
    assert "Tick a run in the table" in " ".join(i.value for i in at.info)
    assert not [b for b in at.button if b.key in ("runs.open", f"runs.delete.{bea_run}")]
    after = dlcore.run_store().run(bea_run)
    assert (after.name, after.note, after.status) == (before.name, before.note, before.status)


def test_each_student_sees_their_own_and_bea_renames_hers(app, runs_of_ada_and_bea):
    ada_run, bea_run = runs_of_ada_and_bea
    at = open_as(app, BEA, {"runs": str(bea_run), "section": "run"})
    assert at.dataframe[0].value["id"].tolist() == [bea_run]
    at.text_input(key=f"runs.name.{bea_run}").input("bea's best").run()
    assert dlcore.run_store().run(bea_run).name == "bea's best"
    assert dlcore.run_store().run(ada_run).name == "student-ada marker"


def test_on_a_server_of_ones_own_every_run_is_listed(app, runs_of_ada_and_bea, monkeypatch):
    monkeypatch.delenv("DLP_TEACHER_PASSWORD")
    at = open_as(app, ADA)
    assert sorted(at.dataframe[0].value["id"]) == sorted(runs_of_ada_and_bea)


def test_students_who_joined_classes_see_only_their_own_runs(app):
    """Ada and Grace join one class, Mallory another; each tab, made the student's by joining, lists the
    student's run alone."""
    room = dlcore.classroom_service()
    first, second = room.create_class("First"), room.create_class("Second")
    students = [room.join(first.code, "Ada")[0], room.join(first.code, "Grace")[0]]
    students.append(room.join(second.code, "Mallory")[0])
    digits = dlcore.data.load("digits")
    jobs = [
        dlcore.start_training(
            dlcore.presets()["digits_mlp"], digits, dlcore.TrainConfig(epochs=1), owner=student.owner
        )
        for student in students
    ]
    for job in jobs:
        assert job.wait(120)
    run_writer().flush()
    for student, job in zip(students, jobs, strict=True):
        at = open_as(app, student.owner)
        assert at.dataframe[0].value["id"].tolist() == [job.run_id], student.name


@pytest.mark.parametrize("section", ["leaderboard", "students"])
def test_a_student_opening_the_teachers_links_sees_nothing_of_a_classmates_run(app, section):
    """The teacher's view lists every student's hand-ins and latest run; a student's tab with the teacher's
    link gets the password box and nothing of the classmate (her name, her run), which the same link
    shows once the teacher's password was given in the tab."""
    room = dlcore.classroom_service()
    klass = room.create_class("Year 11")
    challenge = room.create_challenge(klass.id, "Digits", "digits", max_epochs=1)
    ada, bea = room.join(klass.code, "Ada")[0], room.join(klass.code, "Beatrix")[0]
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"],
        dlcore.data.load("digits", **challenge.data_options),
        dlcore.TrainConfig(epochs=1),
        owner=bea.owner,
        run_name="student-bea marker",
    )
    assert job.wait(120)
    run_writer().flush()
    room.hand_in(bea, challenge.id, job.run_id)
    app.session_state[CLASS_STUDENT], app.session_state[OWNER] = ada, ada.owner  # Ada's tab, joined
    at = open_page(app, "classroom", {"as": "teacher", "code": klass.code, "section": section})
    assert [box.label for box in at.text_input] == ["Teacher password"]
    sent = sent_to_browser(at)
    assert b"Beatrix" not in sent and b"student-bea marker" not in sent
    assert f"#{job.run_id}".encode() not in sent
    at.session_state[CLASS_TEACHER] = True
    assert b"Beatrix" in sent_to_browser(at.run())
