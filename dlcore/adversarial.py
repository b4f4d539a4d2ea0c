"""Fooling a model: FGSM and PGD attacks and accuracy as the attack grows. Adversarial training is a
recipe (dlcore/training/adversarial.py) that makes its examples with `perturb`.

Epsilon is measured in raw input units — for images, a fraction of the pixel range [0, 1] — so "ε = 0.1"
means every pixel may move by at most a tenth of black-to-white, whatever normalisation the model uses.
`InputSpace` converts between those units and the normalised values the model sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from dlcore.classes import classes_from_logits
from dlcore.errors import DlcoreError
from dlcore.registry import Registry

PGD_STEPS = 10  # steps of a PGD attack, unless told otherwise


class AttackError(DlcoreError):
    """An attack setting that cannot be used (the message names the field)."""


@dataclass(frozen=True)
class InputSpace:
    """How raw units map to the model's inputs: model_input = (raw - mean) / std, raw within [low, high].

    `scale` (= 1 / std: model units per raw unit) turns a raw-unit epsilon into model units; `low` / `high`
    are the valid raw range in model units (None: unbounded, e.g. standardised tabular features).
    """

    scale: torch.Tensor
    low: torch.Tensor | None = None
    high: torch.Tensor | None = None

    @classmethod
    def identity(cls) -> InputSpace:
        return cls(torch.tensor(1.0))

    @classmethod
    def for_dataset(cls, dataset) -> InputSpace:
        """Images: pixels in [0, 1] through the dataset's normalisation; other data: standardised units."""
        norm = dataset.normalization
        if dataset.family != "images":
            return cls(torch.tensor(1.0))
        return cls(
            (1 / norm.std).float(), ((0 - norm.mean) / norm.std).float(), ((1 - norm.mean) / norm.std).float()
        )

    def to(self, device: torch.device) -> InputSpace:
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        return InputSpace(move(self.scale), move(self.low), move(self.high))

    def clamp(self, x: torch.Tensor) -> torch.Tensor:
        if self.low is None or self.high is None:
            return x
        return torch.maximum(torch.minimum(x, self.high), self.low)


def class_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The loss an attack climbs: cross-entropy of class scores (B, K) against classes y (B,)."""
    if out.shape[-1] == 1:  # binary classifier with one logit
        return F.binary_cross_entropy_with_logits(out[:, 0], y.float())
    return F.cross_entropy(out, y)


def _input_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(class_loss(model(x), y), x)
    return grad


def fgsm(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, space: InputSpace | None = None
) -> torch.Tensor:
    """Fast Gradient Sign Method (Goodfellow et al., 2015): one step of size eps up the loss's gradient sign.

    x: (B, ...) model inputs, y: (B,) true classes, eps in raw units. Returns the adversarial inputs.
    """
    space = space or InputSpace.identity()
    _check_eps(eps)
    if eps == 0:
        return x.detach().clone()
    step = eps * space.scale * _input_gradient(model, x, y).sign()
    return space.clamp(x.detach() + step)


def pgd(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    space: InputSpace | None = None,
    steps: int = PGD_STEPS,
    seed: int = 0,
) -> torch.Tensor:
    """Projected Gradient Descent (Madry et al., 2018): many small FGSM steps from a random start, each
    projected back into the ε-box around x. Stronger than FGSM at the same ε."""
    space = space or InputSpace.identity()
    _check_eps(eps)
    if steps < 1:
        raise AttackError(f"PGD needs at least 1 step, not {steps}", field="steps")
    if eps == 0:
        return x.detach().clone()
    radius = eps * space.scale
    generator = torch.Generator(device=x.device).manual_seed(seed)
    return perturb(model, x, y, radius, space, steps, pgd_step_size(radius, steps), generator)


def pgd_step_size(radius, steps: int):
    # alpha = 2.5 ε / steps lets the walk reach the box's edge and move along it (Madry et al.)
    return 2.5 * radius / steps


def perturb(model, x, y, radius, space: InputSpace, steps: int, alpha, generator) -> torch.Tensor:
    """From a random point in the box |δ| ≤ radius around x, `steps` signed-gradient steps of size alpha,
    each projected back into the box and the valid input range. `generator` (on x's device) draws the
    start. Reads nothing on the host, so a training step can call it."""
    noise = torch.rand(x.shape, generator=generator, device=x.device) * 2 - 1
    adv = space.clamp(x.detach() + noise * radius)
    for _ in range(steps):
        adv = adv + alpha * _input_gradient(model, adv, y).sign()
        adv = space.clamp(torch.maximum(torch.minimum(adv, x + radius), x - radius))
    return adv.detach()


def _check_eps(eps: float) -> None:
    if not 0 <= eps <= 1:
        raise AttackError(
            f"epsilon must be between 0 and 1 (a share of the input range), not {eps:g}", field="epsilon"
        )


@dataclass(frozen=True)
class Attack:
    name: str
    title: str
    help: str
    run: Callable[..., torch.Tensor]
    stronger: str | None = None  # the attack to suggest when this one does not fool the model


ATTACKS: Registry[Attack] = Registry("attack", AttackError)
ROBUST_GAIN = 0.05  # accuracy a trained copy must gain under attack before the page calls it more robust
ATTACKS.register(
    "fgsm",
    Attack(
        "fgsm",
        "FGSM",
        "One step: move every input value by exactly ε in the direction that increases the loss. Fast, "
        "and often enough to fool an ordinary network.",
        fgsm,
        stronger="pgd",
    ),
)
ATTACKS.register(
    "pgd",
    Attack(
        "pgd",
        "PGD",
        "Ten small steps, each followed by pulling the input back to within ε of the original. The "
        "standard strong attack: what a network survives here, it really survives.",
        pgd,
    ),
)


def attack(name: str, model: nn.Module, x: torch.Tensor, y, eps: float, space=None) -> torch.Tensor:
    """Adversarial version of the batch x (B, ...) by the attack `name` ("fgsm" or "pgd").

    y: the true classes (B,), or one class index for every row.
    """
    if not isinstance(y, torch.Tensor):
        y = torch.full((len(x),), int(y), dtype=torch.long)
    was_training = model.training
    model.eval()
    try:
        return ATTACKS.get(name).run(model, x, y, eps, space)
    finally:
        model.train(was_training)


def accuracy_under_attack(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epsilons: list[float],
    attack_name: str = "fgsm",
    space: InputSpace | None = None,
    batch_size: int = 256,
) -> pd.DataFrame:
    """Accuracy on (x, y) when every input is attacked with each epsilon: columns epsilon, accuracy."""
    rows = []
    for eps in epsilons:
        correct = 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            adv = attack(attack_name, model, xb, yb, eps, space)
            with torch.no_grad():
                correct += int((classes_from_logits(model(adv)) == yb).sum())
        rows.append({"epsilon": float(eps), "accuracy": correct / max(1, len(x))})
    return pd.DataFrame(rows, columns=["epsilon", "accuracy"])


def robustness_summary(plain: pd.DataFrame, robust: pd.DataFrame, trained_eps: float) -> str:
    """What the measured curves show, in words (Markdown): the accuracy of the model (`plain`) and of its
    adversarially trained copy (`robust`) without an attack, at the ε the copy was trained against and at
    the largest ε measured. Both are `accuracy_under_attack` frames over the same epsilons, which include
    0 and `trained_eps`.
    """
    mine, trained = (dict(zip(f["epsilon"], f["accuracy"], strict=True)) for f in (plain, robust))

    def both(eps: float) -> str:
        return f"your model **{mine[eps]:.0%}**, the trained copy **{trained[eps]:.0%}**"

    lines = [
        f"Without an attack: {both(0.0)}.",
        f"At ε = {trained_eps:g}, what the copy was trained against: {both(trained_eps)}.",
    ]
    largest = max(mine)
    if largest > trained_eps:
        lines.append(f"At ε = {largest:g}, the largest measured: {both(largest)}.")
    gain = trained[trained_eps] - mine[trained_eps]
    if gain >= ROBUST_GAIN:
        lines.append(
            f"At ε = {trained_eps:g} the trained copy gets {gain:.0%} more of the test examples right."
        )
    else:
        lines.append(
            f"The trained copy is not more robust here (less than {ROBUST_GAIN:.0%} better): train it for "
            "more steps or against a larger ε, and measure again."
        )
    return " ".join(lines)
