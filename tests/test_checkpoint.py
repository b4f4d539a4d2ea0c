"""Checkpoints: spec JSON + safetensors weights round-trip exactly, and loading never runs code."""

import io
import json
import pickle
import zipfile

import pytest
import torch

import dlcore
from dlcore.checkpoint import load_checkpoint_state, load_config
from dlcore.jobs import JobPool


@pytest.fixture(scope="module")
def trained():
    ds = dlcore.data.load("digits")
    spec = dlcore.ModelSpec.from_dict(
        {
            "input_shape": [1, 8, 8],
            "layers": [
                {"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
                {"type": "BatchNorm2d"},
                {"type": "ReLU"},
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 10},
            ],
        }
    )
    cfg = dlcore.TrainConfig(device="cpu", epochs=1, lr=3e-3)
    job = dlcore.start_training(spec, ds, cfg, pool=JobPool())
    assert job.wait(60) and job.status == "finished", job.error
    return spec, job.snapshot(), ds, job, cfg


def predictions(model, ds):
    with torch.no_grad():
        return model.eval()(ds.test[0])


@pytest.mark.parametrize("form", ["folder", "zip_path", "bytes", "file"])
def test_round_trip_gives_identical_predictions(trained, tmp_path, form):
    spec, model, ds, job, cfg = trained
    if form == "folder":
        dlcore.save_checkpoint(tmp_path / "run", spec, model, metrics=job.metrics(), config=cfg)
        source = tmp_path / "run"
        assert {p.name for p in source.iterdir()} == {
            "spec.json",
            "model.safetensors",
            "metrics.csv",
            "config.json",
        }
        assert load_config(source) == cfg
    elif form == "zip_path":
        dlcore.save_checkpoint(tmp_path / "run.zip", spec, model)
        source = tmp_path / "run.zip"
    elif form == "bytes":
        source = dlcore.checkpoint_bytes(spec, model)
    else:
        buffer = io.BytesIO()
        dlcore.save_checkpoint(buffer, spec, model)
        buffer.seek(0)
        source = buffer
    loaded_spec, loaded = dlcore.load_checkpoint(source)
    assert loaded_spec == spec
    assert not loaded.training
    assert torch.equal(predictions(loaded, ds), predictions(model, ds))


def test_a_pickle_inside_is_never_loaded(tmp_path, trained):
    spec, model, *_ = trained
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("spec.json", json.dumps(spec.to_dict()))
        z.writestr("model.safetensors", pickle.dumps({"weights": "x"}))
    with pytest.raises(dlcore.DataError, match="damaged"):
        dlcore.load_checkpoint(archive.getvalue())


def test_not_a_checkpoint_is_a_clear_error():
    with pytest.raises(dlcore.DataError, match="not a DL Playground checkpoint"):
        dlcore.load_checkpoint(b"hello")
    with pytest.raises(dlcore.DataError, match="lacks model.safetensors"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("spec.json", "{}")
        dlcore.load_checkpoint(buffer.getvalue())


def test_weights_that_do_not_fit_the_spec_are_refused(trained):
    spec, model, *_ = trained
    other = dlcore.ModelSpec.from_dict(
        {**spec.to_dict(), "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}]}
    )
    data = dlcore.checkpoint_bytes(spec, model)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        dst.writestr("spec.json", json.dumps(other.to_dict()))
        dst.writestr("model.safetensors", src.read("model.safetensors"))
    with pytest.raises(dlcore.DataError, match="do not match"):
        dlcore.load_checkpoint(buffer.getvalue())


def test_training_resumes_from_a_checkpoint(trained):
    spec, model, ds, job, cfg = trained
    data = dlcore.checkpoint_bytes(spec, model, meta={"step": job.progress()["step"], "epoch": 1})
    _, state, meta = load_checkpoint_state(data)
    assert meta == {"step": job.progress()["step"], "epoch": 1}
    resumed = dlcore.start_training(
        spec,
        ds,
        dlcore.TrainConfig(device="cpu", epochs=2, lr=3e-3),
        paused=True,
        resume_from=data,
        pool=JobPool(),
    )
    assert all(torch.equal(state[k], v) for k, v in resumed.snapshot().state_dict().items())
    resumed.resume()
    assert resumed.wait(60) and resumed.status == "finished"
    assert resumed.progress()["epoch"] == 2  # one more epoch, counted on from the saved one
    assert resumed.metrics()["step"].iloc[0] == job.progress()["step"] + 1
