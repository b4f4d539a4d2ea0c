"""fit(): the one training loop, for every recipe. It emits events to callbacks; it never prints or draws.

    fit(recipe, recipe.data, epochs=10, batch_size=64, callbacks=[recorder, control])

Events: `on_fit_start(logs)`, `on_step_end(step, logs)`, `on_epoch_end(epoch, logs)`, `on_fit_end(logs)`.
A callback stops training by raising `StopTraining` (checked between steps). The per-step `logs` hold the
recipe's values as device tensors: reading one as a number forces the host to wait for the device, so
only the metrics recorder does that, a few times a second.

Fast path: the dataset lives on the training device, batches are index tensors into it, and on CUDA the
whole step of a capturable recipe is captured once in a CUDA graph and replayed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from dlcore.errors import TrainError
from dlcore.training.config import Callback, StopTraining
from dlcore.training.cuda_graph import CudaGraphStep
from dlcore.training.recipe import Recipe, TrainData


def fit(
    recipe: Recipe,
    data: TrainData,
    *,
    epochs: int | None,
    batch_size: int,
    callbacks: Sequence[Callback] = (),
    generator: torch.Generator | None = None,
    start_epoch: int = 0,
    start_step: int = 0,
    cuda_graph: bool | None = None,
    score_every_s: float = 0.05,
    score_budget: float = 0.1,
) -> dict:
    """Train `recipe` on `data`; return the final logs (with "status" and "reason").

    Batches are index tensors drawn from a fresh permutation each epoch (`generator` makes the order
    repeatable). On CUDA (`cuda_graph` None = when possible) every batch is full so a captured graph can
    replay it; elsewhere the last batch of an epoch holds the remainder.

    Epoch ends are scored (the recipe's running training scores and its scores on the validation split)
    at most every `score_every_s` seconds and with validation taking at most `score_budget` of the time,
    so a tiny dataset with thousands of epochs a second does not spend its time evaluating; the last epoch
    is always scored, and `score_every_s=0` scores every epoch (early stopping needs that).
    """
    x, y = data.train
    n = len(x)
    if n == 0:
        raise TrainError("the training split is empty: there is nothing to learn from", field="dataset")
    device = x.device
    batch_size = min(batch_size, n)
    if cuda_graph is None:
        cuda_graph = device.type == "cuda"
    cuda_graph = cuda_graph and device.type == "cuda" and recipe.capturable and recipe.prepare_for_graph()
    step_fn: Callable[[torch.Tensor], dict] = (
        CudaGraphStep(recipe, x, y)
        if cuda_graph
        else lambda idx: recipe.step(x.index_select(0, idx), y.index_select(0, idx))
    )
    schedules = list(recipe.schedules.values())
    per_epoch = steps_per_epoch(n, batch_size, full_batches=cuda_graph)
    main = recipe.main_role
    logs = {
        "model": recipe.models[main],
        "models": recipe.models,
        "optimizer": recipe.optimizers[main],
        "recipe": recipe,
        "steps_per_epoch": per_epoch,
        "epochs": epochs,
        "batch_size": batch_size,
        "device": device,
        "cuda_graph": bool(cuda_graph),
        "step": start_step,
        "epoch": start_epoch,
        "train_x": recipe.probe_input(x[:256]),
    }
    step, epoch = start_step, start_epoch
    seen = 0  # training examples since the running scores were last read
    last_scored, score_cost = -math.inf, 0.0
    status, reason = "finished", "finished"
    recipe.train()
    try:
        for cb in callbacks:
            cb.on_fit_start(logs)  # may already stop (a job stopped while it waited paused at step 0)
        while epochs is None or epoch < epochs:
            order = torch.randperm(n, generator=generator, device=device)
            for b in range(per_epoch):
                idx = order[b * batch_size : (b + 1) * batch_size]
                step_logs = step_fn(idx)
                for schedule in schedules:
                    schedule.step()
                step += 1
                size = len(idx)
                seen += size
                step_logs["epoch"], step_logs["batch_size"] = epoch + 1, size
                for cb in callbacks:
                    cb.on_step_end(step, step_logs)
            epoch += 1
            epoch_logs: dict[str, Any] = {"step": step}
            now = time.perf_counter()
            due = now - last_scored >= max(score_every_s, score_cost / score_budget)
            if due or score_every_s == 0 or epoch == epochs:
                epoch_logs.update(recipe.train_scores(seen))
                for key, value in recipe.evaluate(*data.val).items():
                    epoch_logs[f"val_{key}"] = value
                recipe.train()
                last_scored = time.perf_counter()
                score_cost = last_scored - now
            else:
                recipe.restart_scores()  # each scored epoch reports its own batches only
            seen = 0
            for cb in callbacks:
                cb.on_epoch_end(epoch, epoch_logs)
    except StopTraining as stop:
        status, reason = stop.status, stop.reason
    captured = isinstance(step_fn, CudaGraphStep) and step_fn.graph is not None
    logs.update(step=step, epoch=epoch, status=status, reason=reason, cuda_graph=captured)
    for cb in callbacks:
        cb.on_fit_end(logs)
    return logs


def steps_per_epoch(n: int, batch_size: int, full_batches: bool = False) -> int:
    """Batches in one pass over n examples (full batches only: the remainder waits for the next epoch)."""
    batch_size = min(batch_size, n)
    return max(1, n // batch_size) if full_batches else math.ceil(n / batch_size)
