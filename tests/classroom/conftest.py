"""The classroom's fixtures: a Classroom on the process's run store (so the jobs that tests train are
recorded where it reads them), on SQLite in a temporary folder and on a real PostgreSQL server."""

from __future__ import annotations

import pytest

import dlcore
from dlcore.classroom import Classroom
from dlcore.classroom import tables as classroom_tables
from dlcore.runs import run_store, run_writer
from dlcore.runs import tables as run_tables
from tests.runs.conftest import postgres_url  # noqa: F401  (the session's PostgreSQL server)

PASSWORD = "correct horse"


class Clock:
    """A clock the test moves by hand: waits are checked without waiting."""

    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture(params=["sqlite", "postgresql"])
def room(request, tmp_path, monkeypatch, clock):
    """A Classroom with an empty database of each kind, its teacher password PASSWORD."""
    monkeypatch.setenv("DLP_DATA_DIR", str(tmp_path))
    if request.param == "postgresql":
        monkeypatch.setenv("DLP_DATABASE_URL", request.getfixturevalue("postgres_url"))
    store = run_store()
    room = Classroom(store, teacher_password=PASSWORD, clock=clock)
    if request.param == "postgresql":  # one server for the session: start each test from empty tables
        with store.engine.begin() as conn:
            for metadata in (classroom_tables.METADATA, run_tables.METADATA):
                for table in reversed(metadata.sorted_tables):
                    conn.execute(table.delete())
    yield room
    store.engine.dispose()  # each test's store has its own pool: no connections left open on the server


def train(challenge, owner: str, spec=None, options=None, dataset=None, **settings) -> int:
    """A run of `owner` trained to its end on the challenge's data (or on the `dataset` and `options`
    given), with the TrainConfig `settings` (2 epochs unless given); its id."""
    options = options if options is not None else challenge.data_options
    data = dlcore.data.load(dataset or challenge.dataset, **options)
    cfg = dlcore.TrainConfig(**{"epochs": 2, "lr": 0.003, **settings})
    job = dlcore.start_training(spec or dlcore.presets()["digits_mlp"], data, cfg, owner=owner)
    assert job.wait(120)
    run_writer().flush()
    return job.run_id
