"""Work done once per server process, on first import: load the engine, then freeze the heap.

Importing dlcore pulls in torch and warms up the optimizers (the first optimizer step imports sympy and
torch._dynamo: ~1 s, far longer inside a busy training thread). Freezing afterwards moves those hundreds
of thousands of long-lived objects out of the garbage collector's way, so its full passes stay short and
do not hold the GIL away from training threads.
"""

import argparse
import gc
import logging
import os
import sys

import dlcore
import dlcore.data  # noqa: F401  (the dataset catalogue too, rather than on a user's first click)


def cpu_places(setting: str | None, default: int) -> int:
    """How many runs compute at once on the CPU, from DLP_CPU_SLOTS; more take turns (every run moves,
    each more slowly). Each run takes one core, so the default is the number of cores. Fewer can be faster
    for tiny models, whose training is mostly Python and so shares one interpreter lock. A setting that is
    not a whole number of 1 or more is reported in the server's log and the default kept."""
    if not setting:
        return default
    try:
        places = int(setting)
    except ValueError:
        places = 0
    if places < 1:
        logging.getLogger(__name__).warning(
            "DLP_CPU_SLOTS=%r is not a whole number of 1 or more: keeping %d", setting, default
        )
        return default
    return places


def ray_cluster_argument(argv: list[str]) -> str | None:
    """The Ray cluster named by `streamlit run app.py -- --ray ADDRESS` (other arguments left alone)."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--ray")
    return parser.parse_known_args(argv)[0].ray


# The run store opens with the server: runs a previous server left training are marked interrupted before
# any page lists them. A database that cannot be opened is reported; the app works on without keeping runs.
try:
    dlcore.run_store()
except dlcore.RunError as err:
    logging.getLogger(__name__).warning("Runs are not being saved: %s", err.message)

# `-- --ray ADDRESS` on the command line: every run of this server trains there (else DLP_RAY_ADDRESS).
if ray_cluster_argument(sys.argv[1:]):
    dlcore.use_ray(ray_cluster_argument(sys.argv[1:]))
if dlcore.ray_address():  # the first run's actor starts loading now, not at the first Start
    try:
        dlcore.start_ray_ahead()
    except dlcore.TrainError as err:
        logging.getLogger(__name__).warning("Runs cannot train on Ray yet: %s", err.message)

places_per_device = dlcore.job_pool().max_per_device
places_per_device["cpu"] = cpu_places(os.environ.get("DLP_CPU_SLOTS"), places_per_device["cpu"])

gc.collect()
gc.freeze()
