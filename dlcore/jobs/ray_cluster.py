"""Where jobs train: in this process, or on a Ray cluster (`pip install 'dl-playground[ray]'`).

    use_ray("auto")        # the cluster this machine belongs to (`ray start --head` on one of them)
    use_ray("ray://head:10001")   # a cluster elsewhere, through Ray Client
    use_ray("local")       # a Ray instance of this process's own (to try it on one machine)
    use_ray(None)          # train here again

Without a call, `DLP_RAY_ADDRESS` decides (unset: train here). Ray is imported only when a job is sent
to it, so the default install does not need it.
"""

from __future__ import annotations

import logging
import os
import threading

from dlcore.errors import TrainError

ADDRESS_ENV = "DLP_RAY_ADDRESS"

_chosen: dict[str, str | None] = {}  # "address" once use_ray was called; else the environment decides
_connecting = threading.Lock()


def use_ray(address: str | None) -> None:
    """Train every job started from now on in a Ray actor on the cluster at `address` (as Ray's
    `ray.init(address=...)` takes it: "auto", "ray://host:10001", "local"), or in this process (None)."""
    _chosen["address"] = address or None


def ray_address() -> str | None:
    """The Ray cluster new jobs train on, or None: in this process."""
    if "address" in _chosen:
        return _chosen["address"]
    return os.environ.get(ADDRESS_ENV) or None


def connect():
    """The `ray` module, connected to the chosen cluster (once per process; a connection made before, such
    as a test's `ray.init(num_cpus=2)`, is used as it is). TrainError, saying what to do, when Ray is not
    installed or the cluster cannot be reached."""
    address = ray_address()
    try:
        import ray
    except ImportError:
        raise TrainError(
            f"training is set to run on the Ray cluster at {address!r}, but Ray is not installed here: "
            "install it with pip install 'dl-playground[ray]', or unset DLP_RAY_ADDRESS to train on this "
            "machine",
            field="ray",
        ) from None
    with _connecting:
        if not ray.is_initialized():
            try:
                ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as err:
                raise TrainError(
                    f"the Ray cluster at {address!r} cannot be reached ({err}): start it (ray start --head) "
                    "or correct DLP_RAY_ADDRESS / --ray",
                    field="ray",
                ) from err
    return ray
