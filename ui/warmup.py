"""Work done once per server process, on first import: load the engine, then freeze the heap.

Importing dlcore pulls in torch and warms up the optimizers (the first optimizer step imports sympy and
torch._dynamo: ~1 s, far longer inside a busy training thread). Freezing afterwards moves those hundreds
of thousands of long-lived objects out of the garbage collector's way, so its full passes stay short and
do not hold the GIL away from training threads.
"""

import gc

import dlcore  # noqa: F401
import dlcore.data  # noqa: F401  (the dataset catalogue too, rather than on a user's first click)

gc.collect()
gc.freeze()
