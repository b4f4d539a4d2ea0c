"""Small models trained on digits in about a second, shared by the deploy tests."""

import pytest

import dlcore
from dlcore.jobs import JobPool

DIGITS_CNN = {
    "input_shape": [1, 8, 8],
    "layers": [
        {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
        {"type": "ReLU"},
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 10},
    ],
}


def trained(spec, ds):
    config = dlcore.TrainConfig(device="cpu", epochs=15, lr=0.01, batch_size=32, seed=0)
    job = dlcore.start_training(spec, ds, config, pool=JobPool())
    assert job.wait(120) and job.status == "finished", job.error
    return job.snapshot()


@pytest.fixture(scope="session")
def digits():
    return dlcore.data.load("digits")


@pytest.fixture(scope="session")
def digits_mlp(digits):
    return trained(dlcore.presets()["digits_mlp"], digits)


@pytest.fixture(scope="session")
def digits_cnn(digits):
    return trained(dlcore.ModelSpec.from_dict(DIGITS_CNN), digits)
