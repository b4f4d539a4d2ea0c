"""The whole training step of any capturable recipe, captured once in a CUDA graph and replayed.

Kernel launches, not arithmetic, limit small models on a GPU; one replay launches them all at once.
Needs a fixed batch size (the loop passes full batches) and optimizers whose state lives on the GPU
(Adam/AdamW/RMSprop with capturable=True, or SGD without a schedule). Dropout and the recipe's own
noise are fine: PyTorch advances a graph's random offsets on every replay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from dlcore.training.recipe import Recipe


class CudaGraphStep:
    """Call with a batch's indices: warm-up steps run eagerly, then the step is captured and replayed."""

    WARMUP_STEPS = 3

    def __init__(self, recipe: Recipe, x: torch.Tensor, y: torch.Tensor):
        self.recipe, self.x, self.y = recipe, x, y
        self.graph: torch.cuda.CUDAGraph | None = None
        self.failed: str | None = None  # why capture failed: the recipe then trains eagerly
        self.warmup_left = self.WARMUP_STEPS
        # Warm-up and capture share one side stream (libraries create per-stream handles on first use,
        # which must not happen mid-capture).
        self.stream = torch.cuda.Stream()

    def eager(self, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.recipe.step(self.x.index_select(0, idx), self.y.index_select(0, idx))

    def __call__(self, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.graph is not None and self.recipe.solo is None:  # a step of one role alone runs eagerly
            self.static_idx.copy_(idx)  # the batch is gathered inside the graph: one launch per step here
            self.graph.replay()
            return {k: v.clone() for k, v in self.static_logs.items()}  # the next replay overwrites them
        if self.failed or self.graph is not None:
            return self.eager(idx)
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            logs = self.eager(idx)
        torch.cuda.current_stream().wait_stream(self.stream)
        self.warmup_left -= 1
        if self.warmup_left == 0:
            self._capture(idx)
        return logs

    def _capture(self, idx: torch.Tensor) -> None:
        recipe = self.recipe
        self.static_idx = idx.clone()
        self.stream.wait_stream(torch.cuda.current_stream())
        graph = torch.cuda.CUDAGraph()
        if recipe.generator is not None and recipe.generator.device.type == "cuda":
            graph.register_generator_state(recipe.generator)  # its draws advance on every replay
        for optimizer in recipe.optimizers.values():
            optimizer.zero_grad(set_to_none=True)
        try:
            recipe.capturing = True
            # thread_local: other jobs' threads may allocate while this one captures.
            with torch.cuda.graph(graph, stream=self.stream, capture_error_mode="thread_local"):
                self.static_logs = self.eager(self.static_idx)
        except Exception as err:  # an op that cannot be captured (a host sync, a dynamic shape)
            self.failed = f"{type(err).__name__}: {err}"
            for optimizer in recipe.optimizers.values():
                optimizer.zero_grad(set_to_none=True)  # drop gradients living in the graph's memory
            torch.cuda.synchronize()
            return
        finally:
            recipe.capturing = False
        self.graph = graph


def make_graphable(optimizer: torch.optim.Optimizer, scheduled: bool, device: torch.device) -> bool:
    """Prepare `optimizer` for CUDA-graph capture; False if it cannot be captured (train eagerly then)."""
    if isinstance(optimizer, torch.optim.SGD):
        return not scheduled  # SGD reads a Python-float lr, which a graph would freeze
    if "capturable" not in optimizer.defaults:
        return False
    for group in optimizer.param_groups:
        group["capturable"] = True  # keeps the step counter on the GPU, where the graph can advance it
        if scheduled:  # a tensor lr the scheduler fills in place, so the graph sees every change
            group["lr"] = torch.tensor(float(group["lr"]), device=device)
    optimizer.defaults["capturable"] = True
    return True
