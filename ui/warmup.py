"""Work done once per server process, on first import: load the engine, then freeze the heap.

Importing dlcore pulls in torch and warms up the optimizers (the first optimizer step imports sympy and
torch._dynamo: ~1 s, far longer inside a busy training thread). Freezing afterwards moves those hundreds
of thousands of long-lived objects out of the garbage collector's way, so its full passes stay short and
do not hold the GIL away from training threads.
"""

import gc
import os

import dlcore
import dlcore.data  # noqa: F401  (the dataset catalogue too, rather than on a user's first click)

# How many runs may train at once on the CPU (the rest wait in a queue). Each run takes one core, so the
# default is the number of cores; a classroom server can set DLP_CPU_SLOTS higher so that every student's
# run moves, each more slowly (all runs share one Python process).
if os.environ.get("DLP_CPU_SLOTS"):
    dlcore.scheduler().max_per_device["cpu"] = int(os.environ["DLP_CPU_SLOTS"])

gc.collect()
gc.freeze()
