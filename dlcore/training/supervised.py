"""The supervised recipe: one model learns to map inputs to targets (classes, values or tokens).

It is today's training: the objective (dlcore.training.objective) picks the loss layout for the task,
the Tally keeps the running training accuracy (or R²) on the device between reads.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcore.tasks import check_compatibility
from dlcore.training.loop import steps_per_epoch
from dlcore.training.objective import Objective, Tally, adapt_targets, make_objective
from dlcore.training.recipe import Recipe, RecipeKind, TrainData, optimizer_for, register_recipe, schedule_for


class SupervisedRecipe(Recipe):
    """zero_grad, forward, loss (+ L1 penalty), backward, optimizer step; the batch is tallied for scores."""

    def __init__(
        self,
        model: nn.Module,
        objective: Objective,
        data: TrainData,
        optimizer: torch.optim.Optimizer,
        schedule=None,
    ):
        self.models, self.optimizers = {"model": model}, {"model": optimizer}
        self.schedules = {"model": schedule} if schedule is not None else {}
        self.model, self.objective, self.data, self.optimizer = model, objective, data, optimizer
        self.tally = Tally(objective, data.train[1])

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        self.optimizer.zero_grad(set_to_none=True)
        out = self.model(x)
        loss = self.objective.loss(out, y)
        penalty = self.objective.penalty(self.model)
        (loss if penalty is None else loss + penalty).backward()
        self.optimizer.step()
        self.tally_batch(out.detach(), y)
        return {"loss": loss.detach()}

    def tally_batch(self, out: torch.Tensor, y: torch.Tensor) -> None:
        """Count a batch's outputs in the running training scores (summed on the device inside a graph)."""
        if self.capturing:
            self.tally.score += self.objective.batch_score(out, y)
        else:
            self.tally.add(out, y)

    @property
    def capturable(self) -> bool:
        return True

    def train_scores(self, samples: int) -> dict[str, float]:
        self.tally.samples = samples
        return self.tally.read()

    def restart_scores(self) -> None:
        self.tally.restart()

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        return self.objective.evaluate(self.model, x, y)


def _check(specs, ds, cfg, options) -> None:
    check_compatibility(specs["model"], ds.task, _num_classes(ds), cfg.loss, target_shape=ds.target_shape)


def _build(models, ds, cfg, options, device) -> SupervisedRecipe:
    model = models["model"]
    objective = make_objective(
        cfg.loss,
        ds.task,
        _num_classes(ds),
        _output_shape(model, ds.train[0][:1]),
        l1=cfg.l1,
        loss_options=cfg.loss_options,
        class_counts=_class_counts(ds),
    )
    objective.loss_fn.to(device)  # a class-weighted loss holds its weights
    data = TrainData.from_dataset(ds, device, adapt=lambda y, x: adapt_targets(objective, y, x))
    optimizer = optimizer_for(model, cfg)
    schedule = schedule_for(optimizer, cfg, steps_per_epoch(len(data.train[0]), cfg.batch_size))
    return SupervisedRecipe(model, objective, data, optimizer, schedule)


def _class_counts(ds) -> torch.Tensor | None:
    """Training examples per class of a dataset with one class per example (else None)."""
    if not ds.num_classes:
        return None
    return torch.bincount(ds.train[1].reshape(-1).long(), minlength=ds.num_classes)


def _num_classes(ds) -> int | None:
    return ds.num_classes or getattr(ds, "vocab_size", None)


@torch.no_grad()
def _output_shape(model: nn.Module, example: torch.Tensor) -> tuple[int, ...]:
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    was_training = model.training
    model.eval()
    try:
        return tuple(model(example.to(device)).shape[1:])
    finally:
        model.train(was_training)


register_recipe(
    RecipeKind(
        name="supervised",
        title="Supervised",
        description="One model learns the target of each input: a class, a number or a token per position.",
        roles=("model",),
        tasks=("binary", "multiclass", "regression", "sequence-to-sequence", "generation"),
        check=_check,
        build=_build,
    )
)
