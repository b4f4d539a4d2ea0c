"""The supervised objective: the loss, how targets are laid out for it, and how predictions are scored,
plus the running training scores (Tally) that stay on the device between reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcore.optim import REGULARISERS, make_loss
from dlcore.tasks import TASKS


@dataclass
class Objective:
    """The loss, how targets are laid out for it, and how predictions are scored.

    kind: "binary" (one logit, float (N, 1) targets), "classes" ((N, C) scores, class indices),
    "tokens" ((N, L, V) scores, (N, L) indices: scores are moved to (N, V, L) for the loss),
    "onehot" (C outputs, float one-hot targets: MSE/BCE on classes), "values" (regression/reconstruction).
    """

    loss_fn: nn.Module
    kind: str
    num_classes: int | None = None
    l1: float = 0.0

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.kind == "tokens":
            out = out.transpose(1, 2)  # (B, L, V) -> (B, V, L): cross_entropy wants classes on dim 1
        return self.loss_fn(out, y)

    def penalty(self, model: nn.Module) -> torch.Tensor | None:
        if not self.l1:
            return None
        return self.l1 * REGULARISERS.get("l1").factory(p for p in model.parameters() if p.requires_grad)

    @property
    def scores_classes(self) -> bool:
        return self.kind in ("binary", "classes", "tokens", "onehot")

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        """Class predictions: (N,) or (N, L) indices."""
        if self.kind == "binary":
            return (out[:, 0] > 0).long()
        return out.argmax(dim=-1)

    def batch_score(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """A device scalar summed over the batch: correct predictions, or the squared error (regression)."""
        if self.scores_classes:
            return (self.predict(out) == self.labels(y)).sum()
        return ((out - y.reshape(out.shape)) ** 2).sum()

    def labels(self, y: torch.Tensor) -> torch.Tensor:
        """The class indices behind (possibly adapted) targets."""
        if self.kind == "binary":
            return y[:, 0].long()
        if self.kind == "onehot":
            return y.argmax(dim=-1)
        return y

    @staticmethod
    @torch.no_grad()
    def outputs(model: nn.Module, x: torch.Tensor, batch: int = 1024) -> torch.Tensor:
        """The model's outputs for all of x, in eval mode and in batches (the mode is restored)."""
        was_training = model.training
        model.eval()
        try:
            return torch.cat([model(x[i : i + batch]) for i in range(0, len(x), batch)])
        finally:
            model.train(was_training)

    @torch.no_grad()
    def evaluate(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict:
        """Mean loss and accuracy (or R²) over (x, y) in eval mode; empty split -> {}."""
        if len(x) == 0:
            return {}
        return self.scores(self.outputs(model, x), y)

    @torch.no_grad()
    def scores(self, out: torch.Tensor, y: torch.Tensor) -> dict:
        """{"loss", "accuracy"} or {"loss", "r2"} of outputs against targets."""
        result = {"loss": float(self.loss(out, y))}
        if self.scores_classes:
            result["accuracy"] = float((self.predict(out) == self.labels(y)).float().mean())
        else:
            result["r2"] = r2_score(out, y)
        return result


def r2_score(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Coefficient of determination over all outputs: 1 is perfect, 0 is no better than the mean."""
    target = target.reshape(pred.shape).float()
    total = ((target - target.mean(dim=0)) ** 2).sum()
    residual = ((target - pred) ** 2).sum()
    if float(total) == 0.0:
        return 1.0 if float(residual) == 0.0 else 0.0
    return float(1 - residual / total)


def make_objective(
    loss: str,
    task: str,
    num_classes: int | None,
    out_shape: tuple[int, ...],
    l1: float = 0.0,
    loss_options: dict | None = None,
    class_counts: torch.Tensor | None = None,
) -> Objective:
    """The loss for a supervised model on `task` data, reading targets as the task lays them out for this
    loss and output. The model's fit is checked before (tasks.check_compatibility). `class_counts` (K,):
    training examples per class, for class-weighted losses."""
    learned = TASKS.get(task).learned_by_supervision()
    kind = learned.layout(loss, tuple(out_shape), num_classes)
    loss_fn = make_loss(loss, class_counts if learned.classes else None, **(loss_options or {}))
    return Objective(loss_fn, kind, num_classes if learned.classes else None, l1)


def adapt_targets(objective: Objective, y: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
    """Targets laid out as the loss expects (see Objective.kind)."""
    if objective.kind == "binary":
        return y.float().reshape(-1, 1)  # (N,) 0/1 labels -> (N, 1) floats for one logit
    if objective.kind == "onehot":
        return nn.functional.one_hot(y.long(), objective.num_classes).float()
    if objective.kind in ("classes", "tokens"):
        return y.long()
    if y.numel() == 0 and x is not None:  # no targets: the model rebuilds its input
        return x.float()
    return y.float().reshape(len(y), *(y.shape[1:] or (1,)))


class Tally:
    """Running training scores (accuracy or R²) over every batch of an epoch, read a few times a second.

    Scoring a batch takes several small ops: a tenth of a tiny model's step on a CPU. So an eager step
    only keeps its outputs and targets (`add`), and they are scored together, in one go, every
    FOLD_EVERY batches and when read. Inside a CUDA graph the score is summed on the device instead.
    """

    FOLD_EVERY = 64

    def __init__(self, objective: Objective, y_train: torch.Tensor):
        self.objective = objective
        self.score = torch.zeros((), device=y_train.device)
        self.samples = 0
        self._outs: list[torch.Tensor] = []
        self._targets: list[torch.Tensor] = []
        self.units = y_train[0].numel() if objective.kind == "tokens" else 1  # tokens are scored one by one
        if not objective.scores_classes:  # R² compares the squared error with the targets' own spread
            y = y_train.float().reshape(len(y_train), -1)
            self.spread_per_sample = float(((y - y.mean(dim=0)) ** 2).sum()) / max(1, len(y))

    def add(self, out: torch.Tensor, y: torch.Tensor) -> None:
        self._outs.append(out)
        self._targets.append(y)
        if len(self._outs) >= self.FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        if self._outs:
            self.score += self.objective.batch_score(torch.cat(self._outs), torch.cat(self._targets))
            self._outs, self._targets = [], []

    def restart(self) -> None:
        """Forget the epoch so far (no host sync)."""
        self._outs, self._targets = [], []
        self.score.zero_()
        self.samples = 0

    def read(self) -> dict:
        """Running train accuracy (or R²) over the epoch; {} if no batch was seen."""
        if not self.samples:
            return {}
        self._fold()
        total, seen = float(self.score), self.samples  # host sync
        self.restart()
        if self.objective.scores_classes:
            return {"train_accuracy": total / (seen * self.units)}
        spread = self.spread_per_sample * seen
        return {"train_r2": 1 - total / spread if spread > 0 else 0.0}
