"""Rewind: copies of a job's model at a bounded number of moments of its training, to look back at.

The training thread keeps a CPU copy of the weights (a state dict) at the moments the thinning rule picks:
every step at first, then further apart as training goes on (a step is due once it is `spacing` × its
own step number past the last kept one, so the gaps grow geometrically). When the copies would pass the
memory cap, every second kept moment is dropped (never the first, never the latest) and the spacing
doubles: early training, where the weights change fastest, stays densely covered, and a long run is
covered end to end. The first kept moment is the weights the run started from.
"""

from __future__ import annotations

import threading

import torch
from torch import nn

from dlcore.training import Callback

MEMORY_CAP_BYTES = 40 * 2**20  # what one job's kept moments may take, at most
MAX_MOMENTS = 200  # enough for a smooth slider; more would only cost memory
FIRST_SPACING = 0.05  # at first a step is kept when it is 5 % of its own step number past the last kept


def state_bytes(model: nn.Module) -> int:
    """The bytes one kept copy of `model`'s state takes."""
    return sum(v.numel() * v.element_size() for v in model.state_dict().values())


class Rewind(Callback):
    """Keeps copies of the model at moments of a run (see the module docstring); a fit() callback.

    Readable from any thread: `steps()` the kept steps (first to latest), `state_at(step)` the state dict
    kept at that step (CPU tensors nobody changes), `first_state()`, `bytes_used`, `cap_bytes`.
    """

    def __init__(self, model: nn.Module, cap_bytes: int = MEMORY_CAP_BYTES, max_moments: int = MAX_MOMENTS):
        self.cap_bytes = cap_bytes
        self.moment_bytes = state_bytes(model)
        # Room for the first, the latest and one between at least (thinning needs one to drop); a model too
        # big for three keeps nothing.
        fits = cap_bytes // max(1, self.moment_bytes)
        self.capacity = min(max_moments, fits) if fits >= 3 else 0
        self.spacing = FIRST_SPACING
        self._lock = threading.Lock()
        self._kept: dict[int, dict[str, torch.Tensor]] = {}  # step -> state dict, in the order kept
        self._model: nn.Module | None = None

    @property
    def enabled(self) -> bool:
        """False when the model is too big to keep three moments under the cap."""
        return self.capacity > 0

    @property
    def bytes_used(self) -> int:
        return len(self._kept) * self.moment_bytes

    def steps(self) -> list[int]:
        with self._lock:
            return list(self._kept)

    def state_at(self, step: int) -> dict[str, torch.Tensor]:
        with self._lock:
            return self._kept[step]

    def first_state(self) -> dict[str, torch.Tensor] | None:
        with self._lock:
            return next(iter(self._kept.values()), None)

    def due(self, step: int) -> bool:
        """Whether `step` is to be kept under the current spacing."""
        last = next(reversed(self._kept), None)
        return last is None or step - last >= max(1.0, self.spacing * step)

    def keep(self, step: int, model: nn.Module) -> None:
        """Keep a copy of `model` as it is at `step` (thinning first when the cap would be passed)."""
        if not self.enabled or step in self._kept:
            return
        state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        with self._lock:
            if len(self._kept) >= self.capacity:
                self._thin()
            self._kept[step] = state

    def _thin(self) -> None:
        """Drop every second kept moment but the first and the latest; new ones then come half as often."""
        steps = list(self._kept)
        dropped = set(steps[1:-1:2])
        self._kept = {step: state for step, state in self._kept.items() if step not in dropped}
        self.spacing *= 2

    # --- fit() events (the training thread) -------------------------------------------------------

    def on_fit_start(self, logs):
        self._model = logs["model"]
        self.keep(logs["step"], self._model)  # the weights the run starts from

    def on_step_end(self, step, logs):
        if self.enabled and self.due(step):
            self.keep(step, self._model)

    def on_fit_end(self, logs):
        # A run stopped before its start reached this callback (a job stopped while paused at step 0) has
        # no model here and nothing to keep.
        if self._model is not None and logs["status"] != "failed":
            self.keep(logs["step"], self._model)  # where training ended
        self._model = None  # the job owns its model; this only looked at it while it trained

    def forget(self) -> None:
        """Drop every kept moment (a job freed because nobody watches it any more)."""
        with self._lock:
            self._kept = {}
