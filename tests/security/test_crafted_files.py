"""Every crafted file (tests/security/crafted.py) is refused with a message for a student, runs nothing,
and costs the server little memory: measured in a fresh process, as the peak resident set's growth."""

import re

import pytest
import torch

import dlcore
from dlcore.jobs import JobPool
from tests.security.crafted import BY_NAME, CRAFTED, SPEC, pickle_checkpoint
from tests.security.measure import measure_all

MAX_GROWTH_MB = 200


def student_readable(message: str) -> bool:
    """A sentence, not a dump: no traceback, no Python object reprs or exception class names."""
    return (
        20 < len(message) < 500
        and "Traceback" not in message
        and not re.search(r"<[\w.]+ object at 0x|\b\w+(Error|Exception)\b", message)
    )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Every crafted file opened as the app opens it, each in a fresh process: {name: outcome}."""
    folder = tmp_path_factory.mktemp("crafted")
    files = {}
    for crafted in CRAFTED:
        files[crafted.name] = (crafted.kind, folder / crafted.name)
        files[crafted.name][1].write_bytes(crafted.make())
    return measure_all(files)


@pytest.mark.parametrize("crafted", CRAFTED, ids=lambda c: c.name)
def test_crafted_file_is_refused_clearly_and_cheaply(crafted, outcomes):
    outcome = outcomes[crafted.name]
    assert outcome["dlcore_error"], outcome
    assert student_readable(outcome["message"]), outcome["message"]
    assert outcome["growth_mb"] < MAX_GROWTH_MB, outcome


def test_a_pickle_in_a_checkpoint_never_runs(tmp_path):
    marker = tmp_path / "code-ran"
    with pytest.raises(dlcore.DataError, match="damaged"):
        dlcore.load_checkpoint(pickle_checkpoint(marker))
    assert not marker.exists()


def test_compressions_the_app_does_not_write_are_refused_before_unpacking():
    for name in ("bomb-bzip2.zip", "bomb-lzma.zip"):
        with pytest.raises(dlcore.DataError, match="compression DL Playground does not use"):
            dlcore.load_checkpoint(BY_NAME[name].make())


def test_a_member_that_unpacks_beyond_its_declared_size_is_refused():
    with pytest.raises(dlcore.DataError):
        dlcore.load_checkpoint(BY_NAME["bomb-deflate.zip"].make())


def test_bad_metadata_is_refused_on_load_not_at_resume():
    with pytest.raises(dlcore.DataError, match="epoch saved in this checkpoint is 'abc'"):
        dlcore.load_checkpoint(BY_NAME["bad-metadata.zip"].make())


def test_resume_from_weights_of_another_shape_names_the_layer():
    spec = dlcore.ModelSpec.from_dict(SPEC)
    ds = dlcore.data.load("circle")
    with pytest.raises(dlcore.DataError, match=r"layer 'linear1' a weight of shape \(8, 2\).*needs \(4, 2\)"):
        dlcore.start_training(
            spec,
            ds,
            dlcore.TrainConfig(device="cpu", epochs=1),
            resume_from=BY_NAME["mismatched-weights.zip"].make(),
            pool=JobPool(),
        )


def test_from_csv_with_a_list_as_target_is_a_clear_error():
    with pytest.raises(dlcore.DataError, match="target must be one column name"):
        dlcore.data.from_csv(b"a,b\n1,0\n2,1\n", target=["b"])


@pytest.mark.parametrize("read", ["points", "table"])
def test_infinite_values_are_refused_naming_the_line(read):
    import io

    data = BY_NAME["inf-points.csv"].make()
    with pytest.raises(dlcore.DataError, match=r"line 7 .* (-)?inf .*x1"):
        if read == "points":
            dlcore.playground.points_from_csv(io.BytesIO(data))
        else:
            dlcore.data.from_csv(data, target="label")


def test_pictures_with_too_many_pixels_are_refused_before_decoding():
    for name in ("huge.png", "bomb-1bit.png"):
        with pytest.raises(dlcore.DataError, match="megapixels"):
            dlcore.decode_image(BY_NAME[name].make())


def test_one_hot_width_is_bounded_before_it_is_built():
    with pytest.raises(dlcore.DataError, match="one-hot"):
        dlcore.data.from_csv(BY_NAME["wide-text-small.csv"].make(), target="y")


def test_a_real_checkpoint_still_loads_and_resumes_from_its_step():
    spec = dlcore.ModelSpec.from_dict(SPEC)
    model = dlcore.build_model(spec)
    data = dlcore.checkpoint_bytes(spec, model, meta={"step": 12, "epoch": 3})
    loaded_spec, loaded = dlcore.load_checkpoint(data)
    assert loaded_spec == spec
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), loaded.state_dict().values(), strict=True)
    )
    job = dlcore.loaded_job(data, dlcore.data.load("circle"))
    assert job.status == "stopped" and not job.alive
    assert job.progress()["step"] == 12 and job.progress()["epoch"] == 3
    assert all(
        torch.equal(a, b)
        for a, b in zip(model.state_dict().values(), job.snapshot().state_dict().values(), strict=True)
    )
