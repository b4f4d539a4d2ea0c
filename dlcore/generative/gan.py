"""What a GAN's views show, computed from its two networks: GAN Lab's pictures, on the real engine.

On 2-D data, one `GanPicture` holds everything the plane views draw, in the data's normalised space:

- the real points and the generator's points, made from latents fixed for the whole run (the same
  points move as the generator learns, instead of new noise each time);
- the discriminator's output D(x) over the plane: where it says "real" and where "fake";
- the generator's gradient on each of its points: where its loss pushes that point (−∂loss/∂x, through
  the discriminator), so a student sees the discriminator's advice to the generator;
- a grid of latent points carried through the generator: how it folds the latent plane onto the data.

On images, `fixed_latents` gives the 16 latents whose samples a student watches sharpen.

    picture = gan_picture(generator, discriminator, real, prior="normal", generator_loss="minimax")
    plots.gan_plane(picture)

It also registers the Generative page's GAN family (`GAN`): two MLPs, a generator from the latent to an
example and a discriminator from an example to one raw score, each with its own width, depth, learning rate
and optimizer; k discriminator steps per generator step, the generator's loss and the latent's prior.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from dlcore.errors import DataError
from dlcore.generative.families import FamilyKind, RoleNet, register_family_kind
from dlcore.generative.setup import mlp
from dlcore.generative.state import role_net
from dlcore.params import Param
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.training.gan import PARAMS, generator_loss_per_example, latent_size

LATENT = Param(
    "latent",
    "int",
    None,
    "Latent size: how many random numbers the generator turns into an example (empty: 2 for 2-D points, "
    "so its folded grid is the whole latent plane; 16 for images).",
    min=1,
    max=64,
    optional=True,
)
DEFAULTS = {
    "generator": RoleNet(width=64, depth=2, lr=3e-3),
    "discriminator": RoleNet(width=64, depth=2, lr=3e-3),
}
FAKE_POINTS = 250  # generated points drawn (and pushed) on the plane
REAL_POINTS = 250
RESOLUTION = 40  # heat-map cells per axis
GRID_LINES = 11  # latent grid lines per axis carried through the generator
LATENT_SPAN = {"normal": 2.0, "uniform": 1.0}  # the latent grid covers ±span on its two axes
PLANE_MARGIN = 1.25  # the plane shows the data's extent times this
SAMPLE_GRID = 16  # fixed latents of the image sample grid
LATENT_SEED = 2018  # the fixed latents' own seed: the same points whatever the run's seed


@dataclass(frozen=True)
class GanPicture:
    """The plane views of a GAN on 2-D data, in the data's normalised space (numpy arrays).

    real (N, 2), fake (M, 2); push (M, 2): −∂(generator loss)/∂x at each fake point; heat (R, R): the
    discriminator's D(x) (probability "real") on the grid `ticks` × `ticks` (rows are x2, columns x1);
    manifold (L, L, 2): the generator's image of an L × L grid of latents (row i: the second latent
    coordinate's i-th value); bounds: the plane's half-width, centred on 0.
    """

    real: np.ndarray
    fake: np.ndarray
    push: np.ndarray
    ticks: np.ndarray
    heat: np.ndarray
    manifold: np.ndarray
    bounds: float


def family_latent(state, options: dict) -> int:
    if options.get("latent") is not None:
        return options["latent"]
    return 16 if state.kind == "images" else 2


def _models(state, ds, options: dict) -> dict[str, ModelSpec]:
    shape = tuple(ds.input_shape)
    image = len(shape) > 1
    flatten = [LayerSpec("Flatten", {}, name="flatten")] if image else []
    unflatten = [LayerSpec("Unflatten", {"unflattened_size": list(shape)}, name="image")] if image else []
    latent = (family_latent(state, options),)
    return {
        "generator": mlp(
            latent, role_net(state, "generator"), math.prod(shape), last=unflatten, name="generator"
        ),
        "discriminator": mlp(shape, role_net(state, "discriminator"), 1, first=flatten, name="discriminator"),
    }


def _recipe_options(state, options: dict) -> dict:
    """The recipe's options: the family's own, and the discriminator's learning rate and optimizer."""
    discriminator = role_net(state, "discriminator")
    own = {name: options[name] for name in ("d_steps", "generator_loss", "prior")}
    return {**own, "discriminator_lr": discriminator.lr, "discriminator_optimizer": discriminator.optimizer}


_RECIPE_PARAMS = {p.name: p for p in PARAMS}
GAN = register_family_kind(
    FamilyKind(
        key="gan",
        title="GAN",
        recipe="gan",
        roles=("generator", "discriminator"),
        models=_models,
        params=(
            _RECIPE_PARAMS["d_steps"],
            _RECIPE_PARAMS["generator_loss"],
            _RECIPE_PARAMS["prior"],
            LATENT,
        ),
        defaults=DEFAULTS,
        recipe_options=_recipe_options,
        # Adam's usual β1 = 0.9 keeps momentum from moves the other player has already answered: GANs
        # train with 0.5 (Radford et al., 2015); with 0.9 the ring's eight modes were rarely all found.
        optimizer_options={"adam": {"beta1": 0.5}},
    )
)


def plane_bounds(real: torch.Tensor) -> float:
    """Half-width of a square plane around 0 that holds the data with a margin (data is centred)."""
    return float(real.abs().max()) * PLANE_MARGIN if len(real) else 1.0


def fixed_latents(n: int, size: int, prior: str = "normal", seed: int = LATENT_SEED) -> torch.Tensor:
    """n latents (n, size) drawn from the prior with their own seed: the same on every call."""
    g = torch.Generator().manual_seed(seed)
    if prior == "uniform":
        return torch.rand(n, size, generator=g) * 2 - 1
    return torch.randn(n, size, generator=g)


def latent_grid(size: int, prior: str = "normal", lines: int = GRID_LINES) -> torch.Tensor:
    """A lines × lines grid over the latent's first two coordinates (±LATENT_SPAN of the prior), the
    others 0: (lines², size), row by row. A latent of size 1 gives the line of its `lines` values."""
    ticks = torch.linspace(-LATENT_SPAN[prior], LATENT_SPAN[prior], lines)
    rows, columns = torch.meshgrid(ticks, ticks if size > 1 else torch.zeros(1), indexing="ij")
    grid = torch.zeros(rows.numel(), size)
    grid[:, 0] = columns.flatten() if size > 1 else rows.flatten()
    if size > 1:
        grid[:, 1] = rows.flatten()
    return grid


def generator_push(
    discriminator: nn.Module, fake: torch.Tensor, generator_loss: str = "non_saturating"
) -> torch.Tensor:
    """−∂loss/∂x at each fake point x (N, D): the direction and strength with which the generator's loss,
    read through the discriminator, moves that point. Near zero where the loss saturates."""
    x = fake.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = generator_loss_per_example(discriminator(x), generator_loss).sum()
        (grad,) = torch.autograd.grad(loss, x)
    return -grad


@torch.no_grad()
def gan_picture(
    generator: nn.Module,
    discriminator: nn.Module,
    real: torch.Tensor,
    *,
    prior: str = "normal",
    generator_loss: str = "non_saturating",
    bounds: float | None = None,
    resolution: int = RESOLUTION,
) -> GanPicture:
    """Everything the plane views draw, for 2-D data: `real` (N, 2) normalised points, the models in
    eval mode (snapshots), the recipe's latent prior and generator loss."""
    # Tiny tensors: a second intra-op thread only spins against the training threads (measured 40x slower
    # forward passes on 2 busy cores). Set for the calling thread, where the page draws.
    torch.set_num_threads(1)
    size = latent_size(generator)
    bounds = plane_bounds(real) if bounds is None else bounds
    fake = generator(fixed_latents(FAKE_POINTS, size, prior))
    push = generator_push(discriminator, fake, generator_loss)
    ticks = torch.linspace(-bounds, bounds, resolution)
    x2, x1 = torch.meshgrid(ticks, ticks, indexing="ij")
    plane = torch.stack([x1.flatten(), x2.flatten()], dim=1)
    heat = torch.sigmoid(discriminator(plane)).reshape(resolution, resolution)
    manifold = generator(latent_grid(size, prior)).reshape(GRID_LINES, -1, 2)  # a latent of size 1: a line
    shown = real[_evenly(len(real), REAL_POINTS)]
    return GanPicture(
        real=shown.numpy(),
        fake=fake.numpy(),
        push=push.numpy(),
        ticks=ticks.numpy(),
        heat=heat.numpy(),
        manifold=manifold.numpy(),
        bounds=bounds,
    )


def job_picture(job) -> GanPicture:
    """The plane picture of a GAN job's models as they are now (snapshots: training goes on meanwhile)."""
    options = job.config.recipe_options
    return gan_picture(
        job.snapshot("generator"),
        job.snapshot("discriminator"),
        job.dataset.train[0],
        prior=options["prior"],
        generator_loss=options["generator_loss"],
    )


@torch.no_grad()
def job_fixed_samples(job, n: int = SAMPLE_GRID) -> torch.Tensor:
    """What a GAN job's generator makes now from n latents fixed for good: (n, *example shape) in the
    data's raw units (images: 0 to 1), so the same samples can be watched sharpening."""
    torch.set_num_threads(1)  # as in gan_picture
    generator = job.snapshot("generator")
    latents = fixed_latents(n, latent_size(generator), job.config.recipe_options["prior"])
    return job.dataset.denormalize(generator(latents))


def mean_push(picture: GanPicture) -> float:
    """The average length of the generator's push on its points: how strongly its loss moves them."""
    return float(np.linalg.norm(picture.push, axis=1).mean())


def _evenly(n: int, most: int) -> torch.Tensor:
    return torch.linspace(0, n - 1, min(n, most)).round().long().unique() if n else torch.arange(0)


# --- how many modes the samples cover --------------------------------------------------------------------

MODE_SHARE = 0.02  # a mode is covered when at least this share of the samples lies near it
MODE_RADIUS = 0.25  # "near", in the data's raw units (ring: radius 1, neighbouring modes 0.77 apart)


def mode_centres(ds) -> torch.Tensor:
    """The centres of the data's modes, raw units (k, 2): the ring's and the grid's Gaussians.
    DataError for data without separate modes."""
    options = getattr(ds, "options", None) or {}
    if ds.name == "ring":
        modes = int(options.get("modes", 8))
        angles = 2 * math.pi * torch.arange(modes) / modes
        return torch.stack([angles.cos(), angles.sin()], dim=1)
    if ds.name == "grid":
        ticks = torch.linspace(-1, 1, int(options.get("side", 5)))
        a, b = torch.meshgrid(ticks, ticks, indexing="ij")
        return torch.stack([a.flatten(), b.flatten()], dim=1)
    raise DataError(
        f"modes are counted on the ring or grid data, whose Gaussians are separate; not on {ds.name}",
        field="dataset",
    )


def modes_covered(samples: torch.Tensor, centres: torch.Tensor, radius: float = MODE_RADIUS) -> int:
    """How many modes (centres, raw units) have at least MODE_SHARE of the samples (raw units) within
    `radius`: 8 of 8 for a GAN that learned the ring, 1 or 2 for one that collapsed."""
    if len(samples) == 0:
        return 0
    near = torch.cdist(samples.float(), centres.float()) < radius  # (N, k)
    return int((near.float().mean(dim=0) >= MODE_SHARE).sum())
