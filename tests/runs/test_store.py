"""The run store on SQLite and on a real PostgreSQL: what is written is read back, thinning keeps the
rows bounded, runs cut off by a restart are marked, and a store that cannot be written says why."""

from __future__ import annotations

import math
import socket
import subprocess
import sys
import time

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlcore.errors import RunError
from dlcore.runs import RunStore
from dlcore.runs import store as store_module
from dlcore.runs.store import RunUpdate

SETUP = {"recipe": "supervised", "models": {"model": {"input_shape": [2], "layers": [{"type": "Linear"}]}}}


def new_run(store: RunStore, **fields) -> int:
    values = {
        "name": "a run",
        "owner": "tab-1",
        "who": "Ada",
        "status": "running",
        "setup": SETUP,
        "main_role": "model",
        "config": {"lr": 0.01, "epochs": 3},
        "dataset": "spiral",
        "options": {"noise": 0.2},
        "seed": 0,
        "device": "CPU",
        **fields,
    }
    return store.create_run(**values)


texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(str.strip)
numbers = st.floats(allow_nan=True, allow_infinity=True, width=32)


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=texts,
    note=st.text(max_size=200),
    lr=numbers,
    values=st.dictionaries(texts, numbers, max_size=5),
)
def test_what_is_written_is_read_back(store, name, note, lr, values):
    run_id = new_run(store, config={"lr": lr}, run_group="search-1")
    store.rename(run_id, name)
    store.set_note(run_id, note)
    store.write([RunUpdate(run_id, {"status": "finished", "steps": 7}, [(0, 1, values), (1, 2, {"x": 1.0})])])
    run = store.run(run_id)
    assert (run.name, run.note, run.status, run.steps, run.group) == (
        " ".join(name.split()),
        note.replace("\x00", ""),  # PostgreSQL stores no NUL: the same note on either database
        "finished",
        7,
        "search-1",
    )
    # NaN and infinity are not JSON: they come back as missing values, everything else exactly
    assert run.config["lr"] == (lr if math.isfinite(lr) else None)
    frame = store.metrics(run_id)
    assert frame["step"].tolist() == [1, 2]
    for key, value in values.items():
        if math.isfinite(value):
            assert frame.loc[0, key] == value
    assert store.check() == []


def test_a_nul_character_typed_in_a_name_or_note_is_dropped_on_either_database(store):
    run_id = new_run(store)
    store.rename(run_id, "spiral\x00 run")
    store.set_note(run_id, "wide\x00r")
    store.set_who("tab-1", "A\x00da")
    run = store.run(run_id)
    assert (run.name, run.note, run.who) == ("spiral run", "wider", "Ada")


def test_runs_are_listed_newest_first_and_filtered(store):
    first = new_run(store, run_group="g")
    second = new_run(store, owner="tab-2")
    third = new_run(store, run_group="g", status="finished")
    assert [r.id for r in store.runs()] == [third, second, first]
    assert [r.id for r in store.runs("g")] == [third, first]
    assert [r.id for r in store.runs(status="finished")] == [third]
    assert [r.id for r in store.runs(owner="tab-2")] == [second]
    store.set_who("tab-2", "Grace")
    assert store.run(second).who == "Grace" and store.run(first).who == "Ada"


def test_thinning_drops_the_rows_off_the_stride(store):
    run_id = new_run(store)
    store.write([RunUpdate(run_id, rows=[(n, n, {"loss": float(n)}) for n in range(10)])])
    store.write([RunUpdate(run_id, thin_to=4)])
    assert store.metrics(run_id)["step"].tolist() == [0, 4, 8]


def test_delete_forgets_the_run_its_metrics_and_weights(store):
    run_id, other = new_run(store), new_run(store)
    store.write(
        [RunUpdate(run_id, rows=[(0, 1, {"loss": 1.0})]), RunUpdate(other, rows=[(0, 1, {"loss": 2.0})])]
    )
    store.keep_weights(run_id, "final", {"w": torch.ones(3)})
    store.delete(run_id)
    with pytest.raises(RunError, match="no run"):
        store.run(run_id)
    assert store.metric_count(run_id) == 0 and store.metric_count(other) == 1
    assert not (store.weights_dir / str(run_id)).exists()
    assert store.check() == []


def test_weights_come_back_as_saved_and_never_through_pickle(store):
    run_id = new_run(store)
    state = {"0.weight": torch.randn(4, 3), "0.bias": torch.arange(4.0)}
    assert store.keep_weights(run_id, "best", state) == 16 * 4
    back = store.weights(run_id, "best")
    assert set(back) == set(state) and all(torch.equal(back[k], state[k]) for k in state)
    with pytest.raises(RunError, match="kept no final weights"):
        store.weights(run_id, "final")
    (store.weights_dir / str(run_id) / "final.safetensors").write_bytes(b"\x80\x04not safetensors")
    with pytest.raises(RunError, match="cannot be read"):
        store.weights(run_id, "final")


def test_weights_larger_than_a_run_may_keep_are_refused_with_their_size(store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_WEIGHT_BYTES", 1000)
    with pytest.raises(RunError, match="larger than the 0 MB a run may keep"):
        store.keep_weights(new_run(store), "final", {"w": torch.zeros(1000)})


def test_runs_cut_off_by_a_restart_are_marked_interrupted(store):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_here = f"{socket.gethostname()}:{gone.stdout.strip()}"  # a process of this machine that has ended
    cut = new_run(store, process=dead_here)
    elsewhere = new_run(store, process="another-server:1")  # another server of the classroom, still writing
    silent = new_run(store, process="another-server:2", heartbeat=time.time() - 3600)
    mine = new_run(store)  # this process: still training
    ended = new_run(store, process=dead_here, status="finished")
    assert sorted(store.mark_interrupted()) == sorted([cut, silent])
    assert [store.run(i).status for i in (cut, elsewhere, silent, mine, ended)] == [
        "interrupted",
        "running",
        "interrupted",
        "running",
        "finished",
    ]
    assert "interrupted" in store.run(cut).message.lower()


def test_a_data_folder_that_cannot_be_made_is_named_in_the_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RunError, match="data folder .* cannot be created"):
        RunStore(f"sqlite:///{blocker / 'runs.sqlite3'}", blocker / "data")


def test_a_database_that_refuses_writes_raises_a_run_error_saying_what_failed(tmp_path):
    store = RunStore(f"sqlite:///{tmp_path / 'runs.sqlite3'}", tmp_path)
    run_id = new_run(store)
    with store.engine.begin() as conn:  # a database gone read-only under the store
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE UPDATE ON dlp_runs BEGIN SELECT RAISE(ABORT, 'disk is full'); END"
        )
    with pytest.raises(RunError, match="could not save the runs' progress: disk is full"):
        store.write([RunUpdate(run_id, {"steps": 1})])
    store.close()
