"""What the job tests share: a tiny model, starting it in a pool, and waiting helpers (the `ds` and `pool`
fixtures are in conftest.py)."""

import time

import dlcore


def spec(width=8):
    return dlcore.ModelSpec.from_dict(
        {
            "input_shape": [2],
            "layers": [
                {"type": "Linear", "out_features": width},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 2},
            ],
        }
    )


def start(ds, pool, owner="tab-1", paused=False, **cfg):
    cfg = {"device": "cpu", "epochs": None, "lr": 0.01, **cfg}
    return dlcore.start_training(spec(), ds, dlcore.TrainConfig(**cfg), owner=owner, pool=pool, paused=paused)


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def wait_status(job, *statuses):
    wait_for(lambda: job.status in statuses)
