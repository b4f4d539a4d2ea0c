"""The learning-rate finder (L. Smith, "Cyclical Learning Rates for Training Neural Networks", 2017) and
the learning rate each schedule plans, step by step.

`lr_find` trains a fresh copy of the model (built from its spec with the run's seed: the network Start
would train) with the run's own recipe, loss and optimizer, raising the learning rate exponentially from
`start_lr` to `end_lr` over `steps` batches, and records the loss at each. The loss is smoothed with a
bias-corrected moving average (the first steps would otherwise read too low). The sweep stops once the
smoothed loss is `explode` times its lowest so far: from there on the rate only diverges.

The suggestion is a tenth of the rate at the lowest smoothed loss: at the lowest point the rate is already
about to blow up, ten times less still learns fast and stays clear of the cliff. (The steepest slope, the
other common rule, followed the batch-to-batch noise of small regression problems in our trials.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch

from dlcore.jobs.job import seeded_build
from dlcore.jobs.start import _dry_run, recipe_spec
from dlcore.learning.backprop import LearningError
from dlcore.optim import SCHEDULES, make_scheduler
from dlcore.training import TrainConfig
from dlcore.training.loop import steps_per_epoch
from dlcore.training.recipe import recipe_for

FINDER_STEPS = 200
SMOOTHING = 0.9  # the moving average keeps this share of the past at each step
EXPLODE = 4.0
RULE = "a tenth of the learning rate at the lowest smoothed loss"
WARM = 5  # the first smoothed values rest on very few batches: not trusted for the slope


@dataclass(frozen=True)
class LrFinding:
    """The sweep: the learning rate and the loss (raw and smoothed) at each step it made; the suggested
    rate (None when there is none) and the rule that picked it; `problem`: why there is none, for the
    student; `stopped_early`: True when the loss exploded before the last step."""

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float | None
    rule: str
    problem: str | None
    stopped_early: bool


def lr_find(
    models,
    ds,
    cfg: TrainConfig | None = None,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    steps: int = FINDER_STEPS,
    explode: float = EXPLODE,
) -> LrFinding:
    """Sweep the learning rate over a fresh copy of `models` (what start_training takes) on dataset `ds`
    with the settings of `cfg` (see the module). Raises TrainError / SpecError as start_training does."""
    if not 0 < start_lr < end_lr:
        raise LearningError("the sweep needs 0 < start learning rate < end learning rate", field="start_lr")
    if steps < 2 * WARM:
        raise LearningError(f"the sweep needs at least {2 * WARM} steps", field="steps")
    cfg = replace(cfg or TrainConfig(), device="cpu")
    cfg.validate()
    setup = recipe_spec(models, ds, cfg)
    kind = recipe_for(setup.recipe, ds.task)
    kind.check(setup.models, ds, cfg, setup.options)
    # the same checks Start makes (a model that does not fit the data is named, not a shape error)
    recipe = _dry_run(setup, seeded_build(setup.models, cfg.seed), ds, cfg)
    recipe.train()
    lrs = start_lr * (end_lr / start_lr) ** (np.arange(steps) / (steps - 1))
    threads = torch.get_num_threads()
    try:  # tiny models step several times faster on one thread than on cores they share (as jobs do)
        torch.set_num_threads(1)
        losses = _sweep(recipe, lrs, cfg, explode)
    finally:
        torch.set_num_threads(threads)
    return _finding(lrs[: len(losses)], np.array(losses), len(losses) < steps)


def _sweep(recipe, lrs: np.ndarray, cfg: TrainConfig, explode: float) -> list[float]:
    """The loss of each step at its learning rate, until the smoothed loss explodes."""
    x, y = recipe.data.train
    batch = min(cfg.batch_size, len(x))
    generator = torch.Generator().manual_seed(cfg.seed)
    order, at = torch.randperm(len(x), generator=generator), 0
    losses, best = [], math.inf
    for lr in lrs:
        for optimizer in recipe.optimizers.values():
            for group in optimizer.param_groups:
                group["lr"] = float(lr)
        if at + batch > len(x):  # a new pass over the data, in a new order
            order, at = torch.randperm(len(x), generator=generator), 0
        idx = order[at : at + batch]
        at += batch
        losses.append(float(recipe.step(x.index_select(0, idx), y.index_select(0, idx))["loss"]))
        now = smooth(np.array(losses))[-1]
        if not math.isfinite(now) or now > explode * best:
            break
        best = min(best, now)
    return losses


def smooth(losses: np.ndarray) -> np.ndarray:
    """The bias-corrected exponential moving average of `losses` (see the module)."""
    out, average = [], 0.0
    for step, loss in enumerate(losses):
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        out.append(average / (1 - SMOOTHING ** (step + 1)))
    return np.array(out)


def _finding(lrs: np.ndarray, losses: np.ndarray, stopped_early: bool) -> LrFinding:
    smoothed = smooth(losses)
    finite = np.isfinite(smoothed)
    lowest = int(np.nanargmin(np.where(finite, smoothed, np.nan))) if finite.any() else 0
    if lowest < WARM or not finite[0]:
        problem = (
            f"the loss never went down: it grew from the very first steps (at a learning rate of "
            f"{lrs[0]:.2g}). Start the sweep at a smaller learning rate, or check the model and the data "
            "(a loss that suits the task, inputs on a sensible scale)"
        )
        return LrFinding(lrs, losses, smoothed, None, RULE, problem, stopped_early)
    return LrFinding(lrs, losses, smoothed, float(lrs[lowest] / 10), RULE, None, stopped_early)


def planned_lrs(cfg: TrainConfig, train_size: int) -> dict[str, np.ndarray]:
    """The learning rate at each step of the run `cfg` plans on `train_size` examples, for every schedule
    the engine has (the chosen one with its own options, the others with their defaults). A run without a
    number of epochs gets the curves of 10 epochs."""
    total = steps_per_epoch(train_size, cfg.batch_size) * (cfg.epochs or 10)
    curves = {}
    for name, _ in SCHEDULES.items():
        options = cfg.schedule_options if name == cfg.schedule else {}
        curves[name] = schedule_curve(name, cfg.lr, total, options)
    return curves


def schedule_curve(name: str, lr: float, total_steps: int, options=None) -> np.ndarray:
    """The learning rate of each of `total_steps` steps under schedule `name`, read from the scheduler."""
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=lr)
    scheduler = make_scheduler(name, optimizer, total_steps, **dict(options or {}))
    out = []
    for _ in range(total_steps):
        out.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.array(out)
