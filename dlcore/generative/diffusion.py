"""Diffusion, looked at: the noising process at any t, the noise schedules side by side, the direction a
trained denoiser pushes each point of the plane, and its way back from noise to data.

t counts the noising steps in an example, from 0 (the data itself) to T (pure noise), as the recipe's
`sample_trajectory` counts them: x_t = sqrt(ᾱ)·x0 + sqrt(1 − ᾱ)·ε with ᾱ = the schedule's ᾱ after t steps.

    process = denoising_process(job.snapshot(), job.setup.options, ds.train[0], sampler="ddim", steps=10)
    grid, arrows = denoising_field(process, t=30, extent=3.0)
    path = process.sample_trajectory(300, keep=21)

The Generative page's diffusion family (`DIFFUSION_FAMILY`): one denoiser, an MLP reading a noisy example
and t; the recipe's own options (timesteps, noise schedule, sampler, DDIM's steps) plus the t the views
look at. The sampler, its steps and t only change the views: the run keeps training, and the same denoiser
is walked back by whichever sampler the student picks. Pure: torch in, torch out (CPU); the figures are in
dlcore/plots/diffusion.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlcore.errors import TrainError
from dlcore.generative.families import FamilyKind, RoleNet, register_family_kind
from dlcore.generative.setup import mlp
from dlcore.generative.state import role_net
from dlcore.params import Param
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.training.diffusion import DIFFUSION, DenoisingProcess, alpha_bars
from dlcore.training.distances import energy_distance

SCHEDULES = next(p.choices for p in DIFFUSION.params if p.name == "noise_schedule")
WINDOW = 3.5  # the plane's half width in the data's normalised space: the data (spread 1) and N(0, I)
FIELD_SIZE = 15  # arrows per side of the grid over the plane: readable from the back of the room
DISTANCE_POINTS = 1000  # samples and held-out points in a lesson's energy distance (a million pairs)


def signal_left(schedule: str, timesteps: int) -> torch.Tensor:
    """ᾱ after t noising steps for t = 0..T (float64): 1 at t = 0 (the data itself), then the schedule's."""
    return torch.cat([torch.ones(1, dtype=torch.float64), alpha_bars(schedule, timesteps)])


def schedule_curves(timesteps: int) -> dict[str, torch.Tensor]:
    """Every noise schedule's ᾱ over t = 0..T, by name ("linear", "cosine")."""
    return {schedule: signal_left(schedule, timesteps) for schedule in SCHEDULES}


def check_t(t: int, timesteps: int) -> int:
    """t as a whole number of noising steps in 0..T; TrainError naming 't' otherwise."""
    if isinstance(t, bool) or not isinstance(t, int) or not 0 <= t <= timesteps:
        raise TrainError(
            f"t counts noising steps: a whole number from 0 to {timesteps}, not {t!r}", field="t"
        )
    return t


def noised(x0: torch.Tensor, schedule: str, timesteps: int, t: int, seed: int = 0) -> torch.Tensor:
    """x0 (N, ...) after t noising steps, with noise drawn from `seed` (the same noise at every t, so a
    slider over t moves each point smoothly from the data to pure noise)."""
    ab = float(signal_left(schedule, timesteps)[check_t(t, timesteps)])
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
    return ab**0.5 * x0 + (1 - ab) ** 0.5 * eps


def denoising_process(
    denoiser: nn.Module,
    trained_options: dict,
    data: torch.Tensor,
    sampler: str | None = None,
    steps: int | None = None,
) -> DenoisingProcess:
    """The noising process a denoiser was trained on (its recipe options), walked back by `sampler`
    ("ancestral" or "ddim") with `steps` DDIM steps (at most the timesteps), on the CPU. Sampling does not
    change what was learned, so a student may try another sampler on the same denoiser. `data`: the
    training examples (N, ...), whose range bounds the denoiser's guesses of clean examples."""
    # The views' tensors are tiny: a second intra-op thread would only spin against the training thread on
    # a busy 2-core machine (as the playground measured). Set for the thread that draws the page.
    torch.set_num_threads(1)
    options = DIFFUSION.options(
        {
            **trained_options,
            "sampler": sampler or trained_options["sampler"],
            "sampling_steps": min(steps or trained_options["sampling_steps"], trained_options["timesteps"]),
        }
    )
    return DenoisingProcess(denoiser, options, data, torch.device("cpu"))


def plane_grid(extent: float, size: int = FIELD_SIZE) -> torch.Tensor:
    """(size², 2) points on a regular grid over [-extent, extent]²."""
    ticks = torch.linspace(-extent, extent, size)
    xs, ys = torch.meshgrid(ticks, ticks, indexing="xy")
    return torch.stack([xs.flatten(), ys.flatten()], dim=1)


@torch.no_grad()
def denoising_field(
    process: DenoisingProcess, t: int, extent: float = WINDOW
) -> tuple[torch.Tensor, torch.Tensor]:
    """Where the denoiser sends each point of a grid over the plane at noise level t (1..T; 0 reads as 1,
    the least noise): (grid (n, 2), arrows (n, 2)), each arrow from a grid point to the clean point the
    denoiser guesses it came from. Near the data the arrows are short and point onto it."""
    step = max(1, check_t(t, process.timesteps)) - 1  # the recipe's timestep index after t steps
    grid = plane_grid(extent)
    denoiser = process.models["denoiser"]
    was_training = denoiser.training
    denoiser.eval()
    try:
        eps = process.predict_noise(grid, torch.full((len(grid),), step))
    finally:
        denoiser.train(was_training)
    return grid, process.clean_guess(grid, step, eps) - grid


@dataclass(frozen=True)
class Walk:
    """The sampler's way from noise to data for n examples: `path`, (t, x_t) pairs from pure noise (t = T)
    to the samples (t = 0), and `distance`, the samples' energy distance to held-out points (None without
    them)."""

    path: list[tuple[int, torch.Tensor]]
    distance: float | None


def walk_back(process: DenoisingProcess, n: int, frames: int, held_out=None, seed: int = 0) -> Walk:
    """`frames` pictures of the way from noise to n samples (the noise from `seed`, the same each time, so
    a student watches the same particles learn their way)."""
    path = process.sample_trajectory(n, keep=frames, seed=seed)
    distance = None if held_out is None else energy_distance(path[-1][1], held_out[:DISTANCE_POINTS])
    return Walk(path, distance)


def one_way(walk: Walk, pictures: int) -> tuple[list[int], torch.Tensor]:
    """The first sample's way from noise in at most `pictures` evenly spaced steps, the noise and the
    sample among them: (their t's, the examples (pictures, ...))."""
    picks = sorted({round(i * (len(walk.path) - 1) / max(1, pictures - 1)) for i in range(pictures)})
    return [walk.path[i][0] for i in picks], torch.stack([walk.path[i][1][0] for i in picks])


def as_images(ds, x: torch.Tensor) -> torch.Tensor:
    """Examples in the data's normalised space -> (N, C, H, W) pictures in the data's own units."""
    return ds.denormalize(x).reshape(len(x), *ds.image_shape).clamp(0, 1)


def sample_distance(process: DenoisingProcess, held_out: torch.Tensor, seed: int = 0) -> float:
    """The energy distance between DISTANCE_POINTS samples (from noise drawn from `seed`) and as many
    held-out points: how far the samples lie from the data (0: the same cloud)."""
    real = held_out[:DISTANCE_POINTS]
    return energy_distance(process.sample(len(real), seed), real)


# --- the Generative page's family -------------------------------------------------------------------------

RECIPE_PARAMS = {p.name: p for p in DIFFUSION.params}  # timesteps, noise_schedule, sampler, sampling_steps
T_SHOWN = Param(
    "t",
    "int",
    50,
    "t: how many noising steps the views look at, from 0 (the data) to the timesteps (pure noise).",
    min=0,
    max=RECIPE_PARAMS["timesteps"].max,
)
SAMPLING = ("sampler", "sampling_steps")  # how the views sample: the run need not restart for them
DEFAULTS = {"denoiser": RoleNet(width=128, depth=3, lr=3e-3)}


def _models(state, ds, options) -> dict[str, ModelSpec]:
    """The denoiser: an MLP from the noisy example and t (one extra input, or one extra constant channel
    for images) to the noise, the example's shape."""
    shape = tuple(ds.input_shape)
    with_t = (shape[0] + 1, *shape[1:])  # the recipe appends t / (T - 1) to the example
    image = len(shape) > 1
    first = [LayerSpec("Flatten", {}, name="flatten")] if image else []
    last = [LayerSpec("Unflatten", {"unflattened_size": list(shape)}, name="image")] if image else []
    size = math.prod(shape)
    net = role_net(state, "denoiser")
    return {"denoiser": mlp(with_t, net, size, first=first, last=last, out_name="noise", name="denoiser")}


def _recipe_options(state, options: dict) -> dict:
    return {name: options[name] for name in RECIPE_PARAMS}


DIFFUSION_FAMILY = register_family_kind(
    FamilyKind(
        key="diffusion",
        title="Diffusion",
        recipe="diffusion",
        roles=("denoiser",),
        models=_models,
        params=(*RECIPE_PARAMS.values(), T_SHOWN),
        defaults=DEFAULTS,
        recipe_options=_recipe_options,
        view_options=(*SAMPLING, T_SHOWN.name),
    )
)
