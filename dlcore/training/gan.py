"""GAN: a generator turns random latents into examples; a discriminator scores examples real or fake.

They take turns on every batch: k discriminator steps (real examples against fresh fakes), then one
generator step that tries to make the discriminator call its fakes real. Each has its own optimizer.

The generator's loss comes in two forms. The original "minimax" one minimises log(1 − D(G(z))): when the
discriminator confidently rejects the fakes (early in training) D(G(z)) is near 0 and that curve is flat,
so the generator hardly learns. The "non_saturating" one maximises log D(G(z)) instead: same goal, but
its gradient is largest exactly when the fakes are worst.
"""

from __future__ import annotations

from dataclasses import replace

import torch
import torch.nn.functional as F
from torch import nn

from dlcore.errors import SpecError
from dlcore.optim import LEARNING_RATE, OPTIMIZERS
from dlcore.params import Param
from dlcore.plan import resolve
from dlcore.tasks import fix_last_layer
from dlcore.training.autoencoder import DATA_TASKS
from dlcore.training.distances import energy_distance
from dlcore.training.loop import steps_per_epoch
from dlcore.training.recipe import (
    Recipe,
    RecipeKind,
    TrainData,
    optimizer_for,
    register_recipe,
    schedule_for,
)

PRIORS = ("normal", "uniform")
EVAL_POINTS = 2048  # at most this many held-out examples (and as many fakes) per evaluation

PARAMS = (
    Param(
        "d_steps",
        "int",
        1,
        "Discriminator steps per generator step (k): a stronger critic gives the generator better advice.",
        min=1,
        max=10,
    ),
    replace(
        LEARNING_RATE,
        name="discriminator_lr",
        default=None,
        optional=True,
        help="The discriminator's learning rate (empty: the same as the generator's).",
    ),
    Param(
        "discriminator_optimizer",
        "choice",
        None,
        "The discriminator's optimizer (empty: the same as the generator's, with its settings).",
        choices=tuple(OPTIMIZERS.names()),
        optional=True,
    ),
    Param(
        "generator_loss",
        "choice",
        "non_saturating",
        "non_saturating: maximise log D(G(z)), strong gradients while the fakes are poor. minimax: the "
        "original minimise log(1 − D(G(z))), whose gradient vanishes when the discriminator wins.",
        choices=("non_saturating", "minimax"),
    ),
    Param(
        "prior",
        "choice",
        "normal",
        "Where the latents come from: a standard normal, or uniform between −1 and 1.",
        choices=PRIORS,
    ),
)


class GanRecipe(Recipe):
    main_role = "generator"
    solo_roles = ("generator", "discriminator")
    log_names = ("loss", "generator_loss", "discriminator_loss", "d_real", "d_fake")

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        latent_shape: tuple[int, ...],
        data: TrainData,
        cfg,
        options: dict,
        device: torch.device,
    ):
        self.models = {"generator": generator.to(device), "discriminator": discriminator.to(device)}
        self.optimizers = {
            "generator": optimizer_for(generator, cfg),
            "discriminator": optimizer_for(
                discriminator, _own_optimizer(cfg, options), options["discriminator_lr"]
            ),
        }
        per_epoch = steps_per_epoch(len(data.train[0]), cfg.batch_size)
        self.schedules = {
            role: schedule
            for role, optimizer in self.optimizers.items()
            if (schedule := schedule_for(optimizer, cfg, per_epoch)) is not None
        }
        self.latent_shape = tuple(latent_shape)
        self.d_steps = options["d_steps"]
        self.non_saturating = options["generator_loss"] == "non_saturating"
        self.prior = options["prior"]
        self.data = data
        self.device = device
        # make_recipe seeds self.generator (the training noise) from cfg.seed. Evaluation and sampling draw
        # from their own seed, so looking at the model (whenever the loop or a page does) never shifts the
        # training noise: a seed repeats a run.
        self.eval_seed = cfg.seed + 1

    # --- training -------------------------------------------------------------------------------------

    def latents(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n latents (n, *latent_shape) from the prior, on the device."""
        shape = (n, *self.latent_shape)
        g = self.generator if generator is None else generator
        if self.prior == "uniform":
            return torch.rand(shape, generator=g, device=self.device) * 2 - 1
        return torch.randn(shape, generator=g, device=self.device)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        solo, self.solo = self.solo, None
        d = self.models["discriminator"]
        d_steps = {None: self.d_steps, "discriminator": 1, "generator": 0}[solo]
        for _ in range(d_steps):
            real_logits, fake_logits, d_loss = self._discriminator_step(x)
        if solo == "discriminator":  # the generator stands still: its loss on the fakes just scored
            g_loss = self._generator_loss(fake_logits)
        else:
            fake_logits, g_loss = self._generator_step(len(x))
        if d_steps == 0:  # the discriminator stood still: its loss on this batch and these fakes
            with torch.no_grad():
                real_logits = d(x)
            d_loss = _discriminator_loss(real_logits, fake_logits)
        g_loss, d_loss = g_loss.detach(), d_loss.detach()
        return {
            "loss": g_loss + d_loss,
            "generator_loss": g_loss,
            "discriminator_loss": d_loss,
            "d_real": torch.sigmoid(real_logits.detach()).mean(),
            "d_fake": torch.sigmoid(fake_logits.detach()).mean(),
        }

    def _discriminator_step(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One discriminator update on real examples x against as many fresh fakes: (real logits, fake
        logits, loss), as scored before the update."""
        g, d = self.models["generator"], self.models["discriminator"]
        with torch.no_grad():
            fake = g(self.latents(len(x)))
        real_logits, fake_logits = d(x), d(fake)
        d_loss = _discriminator_loss(real_logits, fake_logits)
        d_opt = self.optimizers["discriminator"]
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        return real_logits, fake_logits, d_loss

    def _generator_step(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """One generator update on n fresh fakes: (their logits, the generator's loss) before the update."""
        g, d = self.models["generator"], self.models["discriminator"]
        # The generator's gradient flows through the discriminator; the discriminator's own gradients
        # from this pass are cleared by its zero_grad before its next step.
        fake_logits = d(g(self.latents(n)))
        g_loss = self._generator_loss(fake_logits)
        g_opt = self.optimizers["generator"]
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        return fake_logits, g_loss

    @property
    def capturable(self) -> bool:
        return True

    def _generator_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        loss = "non_saturating" if self.non_saturating else "minimax"
        return generator_loss_per_example(fake_logits, loss).mean()

    # --- scoring and sampling -------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Both losses on held-out real examples against as many fresh fakes, how often the discriminator
        tells them apart, and the energy distance between the fakes and the split (0: alike)."""
        if len(x) == 0:
            return {}
        real = x[:EVAL_POINTS]
        g, d = self.models["generator"], self.models["discriminator"]
        modes = {role: model.training for role, model in self.models.items()}
        self.train(False)
        try:
            seeded = torch.Generator(device=self.device).manual_seed(self.eval_seed)
            fake = g(self.latents(len(real), seeded))
            real_logits, fake_logits = d(real), d(fake)
        finally:
            for role, model in self.models.items():
                model.train(modes[role])
        d_loss = float(_discriminator_loss(real_logits, fake_logits))
        g_loss = float(self._generator_loss(fake_logits))
        correct = (real_logits > 0).float().sum() + (fake_logits <= 0).float().sum()
        return {
            "loss": g_loss + d_loss,
            "generator_loss": g_loss,
            "discriminator_loss": d_loss,
            "discriminator_accuracy": float(correct) / (2 * len(real)),
            "energy_distance": energy_distance(fake, real),
        }

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """n generated examples on the CPU, in eval mode, from the same latents on every call (so a view of
        the samples shows the points moving as the generator learns, not new noise each time)."""
        g = self.models["generator"]
        was_training = g.training
        g.eval()
        try:
            seeded = torch.Generator(device=self.device).manual_seed(self.eval_seed)
            return g(self.latents(n, seeded)).cpu()
        finally:
            g.train(was_training)

    def probe_input(self, x: torch.Tensor) -> torch.Tensor:
        return self.latents(len(x), torch.Generator(device=self.device).manual_seed(self.eval_seed))


def generator_loss_per_example(fake_logits: torch.Tensor, generator_loss: str) -> torch.Tensor:
    """Each fake's share of the generator's loss, from the discriminator's raw scores: −log D (the
    non-saturating loss) or log(1 − D) (minimax)."""
    if generator_loss == "minimax":
        return -F.softplus(fake_logits)  # log(1 − sigmoid(l)) = −softplus(l)
    return F.softplus(-fake_logits)  # −log sigmoid(l) = softplus(−l)


def _own_optimizer(cfg, options: dict):
    """The config the discriminator's optimizer is made from: its own optimizer (with that optimizer's
    default settings) when the options name one other than the generator's."""
    name = options["discriminator_optimizer"]
    if name is None or name == cfg.optimizer:
        return cfg
    return replace(cfg, optimizer=name, optimizer_options={})


def _discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy: real examples are class 1, fakes class 0."""
    real = F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
    return real + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))


def check(specs, ds, cfg, options) -> None:
    """SpecError naming the role, the layer and the fix when the pair cannot play on this data."""
    data_shape = tuple(ds.input_shape)
    generator = resolve(specs["generator"])
    latent = tuple(generator.spec.input_shape)
    if len(latent) != 1:
        raise SpecError(
            "the generator's input is its latent, a vector of random numbers, but it takes "
            f"{_shape(latent)}: give the generator a one-number input shape such as [8] (reshape inside "
            "with Unflatten for images)",
            field="input_shape",
        )
    first_linear = next((node for node in generator.walk() if node.type.name == "Linear"), None)
    if first_linear is None or first_linear.in_shape != latent:
        raise SpecError(
            "the generator must first read its latent (random numbers) with a Linear layer: add a Linear at "
            "the start of the generator",
            field="layers",
        )
    made = generator.output_shape
    if made != data_shape:
        size = data_shape[-1] if len(made) == len(data_shape) else None
        raise SpecError(
            f"the generator makes examples shaped {_shape(made)}, but the {ds.name} data's examples are "
            f"shaped {_shape(data_shape)}, so the discriminator could not compare them: in the generator, "
            + fix_last_layer(generator, size),
            field="output_shape",
        )
    discriminator = resolve(specs["discriminator"])
    takes = tuple(discriminator.spec.input_shape)
    if takes != data_shape:
        raise SpecError(
            f"the discriminator takes inputs shaped {_shape(takes)}, but it must score the {ds.name} data's "
            f"examples, shaped {_shape(data_shape)}: set the discriminator's input shape to "
            f"{list(data_shape)}",
            field="input_shape",
        )
    if discriminator.output_shape != (1,):
        raise SpecError(
            f"the discriminator must give one raw score per example (real or fake), but it outputs "
            f"{_shape(discriminator.output_shape)}: in the discriminator, "
            + fix_last_layer(discriminator, 1),
            field="output_shape",
        )
    if discriminator.nodes[-1].type.name == "Sigmoid":
        raise SpecError(
            "the discriminator must give a raw score: the GAN's loss (binary cross-entropy on scores) "
            "applies the sigmoid itself, so remove the discriminator's final Sigmoid "
            f"(layer {len(discriminator.nodes)})",
            field="layers",
        )


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def latent_size(generator: nn.Module) -> int:
    """How many numbers a checked generator's latent has."""
    # make_recipe hands over built modules, not specs; `check` made sure the latent is a vector that
    # feeds a Linear, whose in_features is then its size.
    return next(m for m in generator.modules() if isinstance(m, nn.Linear)).in_features


def build(models, ds, cfg, options, device) -> GanRecipe:
    data = TrainData.from_dataset(ds, device)
    latent_shape = (latent_size(models["generator"]),)
    return GanRecipe(models["generator"], models["discriminator"], latent_shape, data, cfg, options, device)


GAN = register_recipe(
    RecipeKind(
        name="gan",
        title="GAN",
        description=(
            "A generator learns to make examples from random numbers by fooling a discriminator that learns "
            "to tell them from the real data."
        ),
        roles=("generator", "discriminator"),
        tasks=DATA_TASKS,  # any real-valued examples: the labels of digits are not used
        check=check,
        build=build,
        params=PARAMS,
        loss_falls=False,
    )
)
