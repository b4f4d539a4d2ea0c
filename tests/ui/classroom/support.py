"""Shared by the Classroom page tests: opening the page, a class with a challenge, a student's run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import dlcore
from dlcore.runs import run_writer
from tests.ui.lessons.support import open_page

PASSWORD = "correct horse"


def open_classroom(app: AppTest, query: dict[str, str] | None = None) -> AppTest:
    """A new tab opened at /classroom?<query>."""
    return open_page(app, "classroom", query)


def class_with_challenge(**limits):
    """A class and a challenge on digits (at most 10 epochs unless `limits` say otherwise)."""
    service = dlcore.classroom_service()
    klass = service.create_class("Year 11")
    challenge = service.create_challenge(klass.id, "Digits", "digits", **{"max_epochs": 10, **limits})
    return klass, challenge


def challenge_run(challenge, student, epochs: int = 2, options: dict | None = None) -> int:
    """A run of `student` trained to its end on the challenge's data (or with other data `options`), as
    Train would; its id."""
    data = dlcore.data.load(challenge.dataset, **(challenge.data_options if options is None else options))
    config = dlcore.TrainConfig(epochs=epochs, lr=0.003)
    job = dlcore.start_training(dlcore.presets()["digits_mlp"], data, config, owner=student.owner)
    assert job.wait(120)
    run_writer().flush()
    return job.run_id


def texts(at: AppTest) -> str:
    """Everything the page says in markdown and captions."""
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])
