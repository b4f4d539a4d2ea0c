"""Exports of a run: tensorboard's own reader finds its scalars; the notebook trains it again."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

import dlcore
from dlcore.runs.export import (
    ExportError,
    notebook_bytes,
    run_notebook,
    run_tensorboard_zip,
    scalar_tag,
    tensorboard_zip,
    training_notebook,
    write_tensorboard_log,
)
from tests.runs.presets import ROOT, digits_spec

DIGITS_CONFIG = dlcore.TrainConfig(epochs=15, lr=0.01, batch_size=32, seed=3)


@pytest.fixture(scope="module")
def digits_run():
    """A finished digits run: its job (metrics, test accuracy)."""
    job = dlcore.start_training(digits_spec(), dlcore.data.load("digits"), DIGITS_CONFIG)
    job.wait(120)
    assert job.status == "finished"
    return job


def read_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    events = EventAccumulator(str(folder))
    events.Reload()
    return {tag: [(e.step, e.value) for e in events.Scalars(tag)] for tag in events.Tags()["scalars"]}


def test_tensorboard_reader_finds_the_runs_scalars(digits_run, tmp_path):
    metrics = digits_run.metrics()
    write_tensorboard_log(metrics, tmp_path / "log", text={"spec": "a digits MLP"})
    scalars = read_scalars(tmp_path / "log")
    assert {"loss/train", "loss/val", "accuracy/val", "lr"} <= set(scalars)
    steps, losses = zip(*scalars["loss/train"], strict=True)
    assert list(steps) == metrics["step"].tolist()
    assert losses == pytest.approx(metrics["train_loss"].tolist(), rel=1e-6)


def test_tensorboard_zip_holds_a_log_the_reader_reads(digits_run, tmp_path):
    data = tensorboard_zip(digits_run.metrics(), "my run / 3")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    (folder,) = tmp_path.iterdir()
    assert folder.name == "my_run___3"
    assert len(read_scalars(folder)["loss/train"]) == len(digits_run.metrics())


@given(st.text(min_size=1, max_size=12))
def test_every_column_gets_a_tag_and_splits_group_by_metric(name):
    assert scalar_tag(f"val_{name}") == f"{name}/val"
    assert scalar_tag(name) in (name, f"{name.partition('_')[2]}/{name.partition('_')[0]}")


def test_exported_notebook_trains_the_model_as_well_as_the_app(digits_run, tmp_path):
    from nbclient import NotebookClient

    nb = training_notebook(digits_spec(), "digits", {}, DIGITS_CONFIG, title="Digits")
    nb = nbformat.reads(notebook_bytes(nb).decode(), as_version=4)  # what a download holds
    in_repo = {"metadata": {"path": str(ROOT)}}  # the kernel imports this checkout's dlcore
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources=in_repo)
    client.execute()
    printed = "".join(out.get("text", "") for out in nb.cells[-1].outputs)
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", printed).group(1))
    assert accuracy == pytest.approx(digits_run.result["test_accuracy"], abs=0.04)


def test_notebook_writes_the_apps_optimizer_with_its_settings():
    cfg = dlcore.TrainConfig(optimizer="nesterov", lr=0.05, weight_decay=0.001)
    code = "".join(cell.source for cell in training_notebook(digits_spec(), "digits", {}, cfg).cells)
    expected = "torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=0.001, nesterov=True)"
    assert expected in code


@pytest.mark.parametrize(
    ("dataset", "changes", "field"),
    [
        ("my upload", {}, "dataset"),
        ("digits", {"schedule": "cosine"}, "schedule"),
        ("digits", {"early_stopping_patience": 3}, "early_stopping_patience"),
        ("digits", {"loss_options": {"class_weight": "balanced"}}, "class_weight"),
    ],
)
def test_a_run_beyond_the_notebook_is_refused_naming_the_setting(dataset, changes, field):
    cfg = dlcore.TrainConfig(**changes)
    with pytest.raises(ExportError) as err:
        training_notebook(digits_spec(), dataset, {}, cfg)
    assert err.value.field == field
    assert "TensorBoard" in err.value.message


def test_a_kept_run_exports_both_files(digits_run):
    dlcore.runs.run_writer().flush()
    store = dlcore.run_store()
    record = store.run(digits_run.run_id)
    with zipfile.ZipFile(io.BytesIO(run_tensorboard_zip(store, record))) as archive:
        assert any("events.out.tfevents" in name for name in archive.namelist())
    notebook = nbformat.reads(run_notebook(record).decode(), as_version=4)
    assert "DigitsMLP()" in "".join(cell.source for cell in notebook.cells)


def test_a_kept_run_of_several_models_is_refused_a_notebook(digits_run):
    dlcore.runs.run_writer().flush()
    record = dlcore.run_store().run(digits_run.run_id)
    gan = dataclasses.replace(record, setup={**record.setup, "recipe": "gan"})
    with pytest.raises(ExportError, match="TensorBoard"):
        run_notebook(gan)
