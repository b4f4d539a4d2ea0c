"""The adversarial-training recipe: every batch is attacked with the current weights, then the model
learns from the clean examples and their attacked copies together.

"fgsm" is FGSM from a random start inside the ε-box ("fast adversarial training", Wong et al., 2020):
nearly as robust as PGD training at a tenth of the cost, so a class sees the curve flatten in seconds.
"pgd" attacks each batch with PGD's ten projected steps (Madry et al., 2018): stronger, ten times slower.
The loss is `clean_fraction` × the clean examples' loss + the rest × their attacked copies' loss.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcore.adversarial import ATTACKS, PGD_STEPS, InputSpace, class_loss, perturb, pgd_step_size
from dlcore.classes import classes_from_logits
from dlcore.errors import TrainError
from dlcore.params import Param
from dlcore.tasks import check_compatibility
from dlcore.training.loop import steps_per_epoch
from dlcore.training.recipe import Recipe, RecipeKind, TrainData, optimizer_for, register_recipe, schedule_for

ROBUST_EXAMPLES = 500  # examples of a split attacked to score robust accuracy: enough, and quick on a CPU
CLASS_LOSSES = ("cross_entropy", "bce_with_logits")

PARAMS = (
    Param(
        "attack",
        "choice",
        "fgsm",
        "How each batch is attacked: 'fgsm' one step from a random start (fast), 'pgd' ten steps "
        "(stronger, ten times slower).",
        choices=tuple(ATTACKS.names()),
    ),
    Param(
        "epsilon",
        "float",
        0.1,
        "How far each input value may move, as a share of the pixel range (standard deviations for "
        "features): the attack the model learns to withstand.",
        min=0.0,
        max=1.0,
    ),
    Param(
        "clean_fraction",
        "float",
        0.5,
        "Share of the loss from the clean examples; the rest comes from their attacked copies. 1 is "
        "ordinary training, 0 trains on attacks only.",
        min=0.0,
        max=1.0,
    ),
)


def check(specs, ds, cfg, options) -> None:
    """A classification dataset, a loss the attacks climb, and one score per class."""
    if ds.task not in ADVERSARIAL.tasks:
        raise TrainError(
            f"adversarial training attacks a classifier, but '{ds.name}' is a {ds.task} dataset: "
            "choose a classification dataset (digits, MNIST, two moons, ...)",
            field="recipe",
        )
    if cfg.loss not in CLASS_LOSSES:
        raise TrainError(
            f"adversarial training uses the loss its attacks climb, cross-entropy, not {cfg.loss}: "
            "choose cross_entropy",
            field="loss",
        )
    check_compatibility(specs["model"], ds.task, ds.num_classes, cfg.loss)  # one score per class


class Adversarial(Recipe):
    """Each step: attack the batch with the current weights (in eval mode, as the model is used), then
    one optimizer step on the clean batch and its attacked copy."""

    log_names = ("loss", "clean_loss", "adversarial_loss")

    def __init__(self, model: nn.Module, ds, cfg, options: dict, device: torch.device):
        self.models = {"model": model}
        self.data = TrainData.from_dataset(ds, device)
        self.space = InputSpace.for_dataset(ds).to(device)
        self.radius = options["epsilon"] * self.space.scale
        self.clean_fraction = options["clean_fraction"]
        # fgsm: one step of 1.25 ε from a random start (Wong et al.); pgd: the attack's own steps
        self.steps = 1 if options["attack"] == "fgsm" else PGD_STEPS
        self.alpha = 1.25 * self.radius if self.steps == 1 else pgd_step_size(self.radius, self.steps)
        optimizer = optimizer_for(model, cfg)
        schedule = schedule_for(optimizer, cfg, steps_per_epoch(len(self.data.train[0]), cfg.batch_size))
        self.optimizers = {"model": optimizer}
        self.schedules = {"model": schedule} if schedule is not None else {}
        self._correct = torch.zeros(2, device=device, dtype=torch.long)  # clean, attacked: right answers

    def attacked(self, x: torch.Tensor, y: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """x's adversarial copies against the current weights, made in eval mode (no dropout, frozen
        batch-norm statistics: the model as it will be used), from a start `generator` draws."""
        model = self.models["model"]
        was_training = model.training
        model.eval()
        try:
            return perturb(model, x, y, self.radius, self.space, self.steps, self.alpha, generator)
        finally:
            model.train(was_training)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        adv = self.attacked(x, y, self.generator)
        optimizer = self.optimizers["model"]
        optimizer.zero_grad(set_to_none=True)
        out = self.models["model"](torch.cat([x, adv]))  # one pass over both halves
        clean, attacked = out[: len(x)], out[len(x) :]
        clean_loss, adversarial_loss = class_loss(clean, y), class_loss(attacked, y)
        loss = self.clean_fraction * clean_loss + (1 - self.clean_fraction) * adversarial_loss
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            self._correct += (classes_from_logits(out).reshape(2, -1) == y).sum(dim=1)
        return {
            "loss": loss.detach(),
            "clean_loss": clean_loss.detach(),
            "adversarial_loss": adversarial_loss.detach(),
        }

    @property
    def capturable(self) -> bool:
        # Static shapes and no host reads; the random start comes from the recipe's generator, which the
        # graph registers. Not yet run on a GPU here: should capture fail, the loop trains eagerly.
        return True

    def train_scores(self, samples: int) -> dict[str, float]:
        if not samples:
            return {}
        clean, attacked = (int(c) for c in self._correct)  # host sync, a few times a second at most
        self.restart_scores()
        return {"train_accuracy": clean / samples, "train_robust_accuracy": attacked / samples}

    def restart_scores(self) -> None:
        self._correct.zero_()

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """The training's loss (clean and attacked, mixed as in a step), accuracy on clean examples, and
        accuracy under the training attack at its ε. Attacks cover the first ROBUST_EXAMPLES."""
        if len(x) == 0:
            return {}
        model = self.models["model"]
        was_training = model.training
        model.eval()
        try:
            out = torch.cat([model(x[i : i + 1024]) for i in range(0, len(x), 1024)])
            xa, ya = x[:ROBUST_EXAMPLES], y[:ROBUST_EXAMPLES]
            # Its own seeded start: scoring never moves the training's random draws, and repeats exactly.
            start = torch.Generator(device=x.device).manual_seed(0)
            attacked = model(self.attacked(xa, ya, start))
            loss = self.clean_fraction * class_loss(out, y) + (1 - self.clean_fraction) * class_loss(
                attacked, ya
            )
            return {
                "loss": float(loss),
                "accuracy": float((classes_from_logits(out) == y).float().mean()),
                "robust_accuracy": float((classes_from_logits(attacked) == ya).float().mean()),
            }
        finally:
            model.train(was_training)


ADVERSARIAL = register_recipe(
    RecipeKind(
        name="adversarial",
        title="Adversarial training",
        description="Attacks every batch with the current weights (FGSM or PGD) and learns from the clean "
        "examples and their attacked copies together, so small changes stop fooling the model.",
        roles=("model",),
        tasks=("binary", "multiclass"),
        check=check,
        build=lambda models, ds, cfg, options, device: Adversarial(models["model"], ds, cfg, options, device),
        params=PARAMS,
    )
)
