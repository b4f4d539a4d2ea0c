"""The autoencoder and VAE families of the Generative page, and the numbers their views draw.

Both train with the recipes of dlcore/training/autoencoder.py: the encoder (an MLP ending in the layer
named "code") and the decoder (an MLP from the latent back to the input's shape). The VAE's code holds a
mean and a log-variance per latent number, and β weighs its KL term. The denoising option hides a share of
each input's values while training (a Dropout layer before the encoder: zeroed values, the rest scaled up),
so the network learns to fill them in from the others, while the target stays the clean input.

`picture(encoder, decoder, ds, variational, ...)` computes every view at once from snapshots of the two
networks: the test codes on a plane (the latent itself, or its 2-D PCA when it is larger), the
reconstructions, inputs decoded from a regular grid of latent points (the "manifold") and an interpolation
between two test inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import torch

from dlcore.generative.families import FamilyKind, RoleNet, register_family_kind
from dlcore.generative.setup import mlp
from dlcore.generative.state import role_net
from dlcore.params import Param
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.training.autoencoder import BETA, CODE_LAYER

LATENT = Param(
    "latent",
    "int",
    None,
    "Latent size: how many numbers each input is squeezed into (empty: 1 for 2-D points, 2 for images; "
    "above 2 the latent picture shows its two main directions, a PCA).",
    min=1,
    max=32,
    optional=True,
)
DENOISE = Param(
    "denoise",
    "float",
    0.0,
    "Denoising: the share of each input's values hidden while training. The network must rebuild them "
    "from the others, so it learns what inputs have in common rather than copying them.",
    min=0.0,
    max=0.9,
)
PAIR = (
    Param("from", "int", 0, "The test input the interpolation starts from (its place in the test set).", 0),
    Param("to", "int", 1, "The test input the interpolation ends at (its place in the test set).", 0),
)
DEFAULTS = {"encoder": RoleNet(width=64, depth=2, lr=3e-3), "decoder": RoleNet(width=64, depth=2, lr=3e-3)}
GRID = 9  # latent points per side of the manifold's grid
STEPS = 9  # pictures in the interpolation, both ends included
SHOWN = 500  # test codes drawn at most (the live charts' limit)


def latent_size(state, options: dict) -> int:
    if options.get("latent") is not None:
        return options["latent"]
    return 2 if state.kind == "images" or state.family == "vae" else 1


def _models(state, ds, options, *, variational: bool) -> dict[str, ModelSpec]:
    shape = tuple(ds.input_shape)
    size = math.prod(shape)
    latent = latent_size(state, options)
    first = [LayerSpec("Flatten", {}, name="flatten")] if len(shape) > 1 else []
    if options["denoise"] > 0:
        first.append(LayerSpec("Dropout", {"p": options["denoise"]}, name="hide"))
    last = [LayerSpec("Unflatten", {"unflattened_size": list(shape)}, name="image")] if len(shape) > 1 else []
    code = 2 * latent if variational else latent
    return {
        "encoder": mlp(
            shape, role_net(state, "encoder"), code, first=first, out_name=CODE_LAYER, name="encoder"
        ),
        "decoder": mlp((latent,), role_net(state, "decoder"), size, last=last, name="decoder"),
    }


AUTOENCODER = register_family_kind(
    FamilyKind(
        key="autoencoder",
        title="Autoencoder",
        recipe="autoencoder",
        roles=("encoder", "decoder"),
        models=partial(_models, variational=False),
        params=(LATENT, DENOISE, *PAIR),
        defaults=DEFAULTS,
        shared_optimizer=True,
        view_options=("from", "to"),
    )
)
VAE = register_family_kind(
    replace(
        AUTOENCODER,
        key="vae",
        title="VAE",
        recipe="vae",
        models=partial(_models, variational=True),
        params=(
            replace(BETA, help=BETA.help + " β = 0 is a plain autoencoder with noise."),
            *AUTOENCODER.params,
        ),
        recipe_options=lambda state, options: {"beta": options["beta"]},
    )
)


# --- what the views draw ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Picture:
    """Everything the autoencoder's views show, in the data's own units (numpy arrays).

    inputs, outputs: test inputs (with values hidden, for a denoising autoencoder) and their
    reconstructions (at most SHOWN); plane: their codes on the
    latent plane (N, 2); labels: their class indices (None for points); axes: the plane's axis names;
    grid: inputs decoded from a grid over the plane, row by row, `grid_shape` (rows, columns): GRID × GRID,
    or one row of GRID² along a latent of one number; path: the interpolation (STEPS inputs); ends: the
    two test inputs it joins."""

    inputs: np.ndarray
    outputs: np.ndarray
    plane: np.ndarray
    labels: np.ndarray | None
    axes: tuple[str, str]
    grid: np.ndarray
    grid_shape: tuple[int, int]
    path: np.ndarray
    ends: tuple[int, int]


@torch.no_grad()
def codes(encoder: torch.nn.Module, x: torch.Tensor, variational: bool) -> torch.Tensor:
    """The codes of inputs x (a VAE's means), in eval mode: denoising's hiding is off."""
    encoder.eval()
    code = encoder(x)
    return code.chunk(2, dim=1)[0] if variational else code


@torch.no_grad()
def decode(decoder: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    decoder.eval()
    return decoder(z)


def plane_basis(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, tuple[str, str]]:
    """(centre, two directions (2, L), axis names) of the latent plane the views draw: the latent's own
    axes for a latent of 1 or 2 numbers, else the two main directions of the codes (PCA)."""
    size = z.shape[1]
    if size <= 2:
        eye = torch.eye(2, size)
        return torch.zeros(size), eye, ("z1", "z2" if size == 2 else "")
    centre = z.mean(dim=0)
    _, _, v = torch.linalg.svd(z - centre, full_matrices=False)
    return centre, v[:2], ("main direction 1 (PCA)", "main direction 2 (PCA)")


def grid_latents(plane: torch.Tensor, centre, basis, variational: bool, n: int = GRID) -> torch.Tensor:
    """n × n latent points evenly over the plane, row by row from the top (a latent of one number: n × n
    points along its line): over the prior's ±2.5 for a VAE (where its codes should lie), over the codes'
    own spread for an autoencoder."""
    if variational:
        low, high = torch.full((2,), -2.5), torch.full((2,), 2.5)
    else:
        low, high = torch.quantile(plane, 0.02, dim=0), torch.quantile(plane, 0.98, dim=0)
    if basis.shape[1] == 1:
        line = torch.linspace(float(low[0]), float(high[0]), n * n)
        flat = torch.stack([line, torch.zeros_like(line)], dim=1)
    else:
        xs = torch.linspace(float(low[0]), float(high[0]), n)
        ys = torch.linspace(float(high[1]), float(low[1]), n)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        flat = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (n*n, 2)
    return centre + flat @ basis


def picture(
    encoder, decoder, ds, variational: bool, ends: tuple[int, int] = (0, 1), hidden: float = 0.0
) -> Picture:
    """Every view's numbers for the networks `encoder` and `decoder` (eval-mode copies) on `ds`'s test
    split. `ends`: the test inputs the interpolation joins (clamped into the test set). `hidden`: a
    denoising autoencoder's share of hidden values; its inputs are then shown with that share hidden (at the
    data's mean), as training hides them, and rebuilt from what is left."""
    # Tiny tensors: a second intra-op thread only spins against the training thread (measured 31 ms of CPU
    # per picture with two on 2 busy cores, 1.4 ms with one). Set for the calling thread, where pages draw.
    torch.set_num_threads(1)
    x, y = ds.test
    keep = torch.as_tensor(np.linspace(0, len(x) - 1, min(SHOWN, len(x))).round().astype(np.int64))
    x, y = x[keep], y[keep]
    z = codes(encoder, x, variational)
    centre, basis, axes = plane_basis(z)
    on_plane = (z - centre) @ basis.T  # (N, 2)
    grid = decode(decoder, grid_latents(on_plane, centre, basis, variational))
    a, b = (min(max(0, i), len(x) - 1) for i in ends)
    weights = torch.linspace(0, 1, STEPS)[:, None]
    path = decode(decoder, (1 - weights) * z[a] + weights * z[b])
    raw = ds.denormalize
    labels = y.numpy().astype(int) if y.dim() == 1 and y.numel() else None
    shown, rebuilt = (x, z) if hidden == 0 else _with_hidden(encoder, x, variational, hidden)
    return Picture(
        inputs=raw(shown).numpy(),
        outputs=raw(decode(decoder, rebuilt)).numpy(),
        plane=on_plane.numpy(),
        labels=labels,
        axes=axes,
        grid=raw(grid).numpy(),
        grid_shape=(1, GRID * GRID) if basis.shape[1] == 1 else (GRID, GRID),
        path=raw(path).numpy(),
        ends=(int(keep[a]), int(keep[b])),
    )


def _with_hidden(encoder, x: torch.Tensor, variational: bool, hidden: float):
    """(inputs with a share `hidden` of their values hidden, their codes), the corruption as training's
    Dropout makes it: hidden values are 0 (the data's mean, inputs being standardised), the rest scaled up
    by 1 / (1 - hidden). The same values are hidden at every redraw, so the picture changes only as the
    networks learn."""
    keep = torch.rand(x.shape, generator=torch.Generator().manual_seed(0)) >= hidden
    masked = x * keep
    return masked, codes(encoder, masked / (1 - hidden), variational)
