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

# How many runs compute at once on the CPU; more take turns (every run moves, each more slowly). Each run
# takes one core, so the default is the number of cores. Fewer can be faster for tiny models, whose
# training is mostly Python and so shares one interpreter lock whatever the number of cores.
if os.environ.get("DLP_CPU_SLOTS"):
    dlcore.scheduler().max_per_device["cpu"] = int(os.environ["DLP_CPU_SLOTS"])

gc.collect()
gc.freeze()
