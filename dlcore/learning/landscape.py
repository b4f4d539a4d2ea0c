"""The loss landscape of a trained model: how the training loss changes as its weights move.

- `loss_line`: the loss along the straight line from the weights a run started from to its current ones
  (Goodfellow et al., 2015), a little beyond both ends.
- `loss_slice`: the loss on a plane through the current weights (Li et al., 2018, "Visualizing the Loss
  Landscape of Neural Nets"), spanned either by two random directions, each filter scaled to the norm of
  the filter it moves (so a step of 1 changes every filter by about its own size, whatever the layer's
  scale), or by the two principal directions of the weights the run passed through (PCA of the kept
  moments), with that training path projected onto the plane.

Every point is one forward pass of the model over a fixed sample of the training split, with the weights
of that point put in through `torch.func.functional_call` (the model itself is never changed) and no
gradients. Only parameters move; buffers (batch-norm statistics) stay as the current model has them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, vmap

from dlcore.errors import DlcoreError
from dlcore.params import Param
from dlcore.training.objective import adapt_targets

# Training examples each point's loss is measured on (a fixed sample, the same for every point): the slice
# costs points² passes over it, and a convolutional net is bound by arithmetic (docs/benchmarks.md).
SAMPLE_SIZE = 256
LINE_BEYOND = 0.25  # the line goes this far past both ends (as a fraction of the way from start to end)

POINTS = Param(
    "points",
    "int",
    25,
    "Points along each side of the slice (odd, so the current weights sit at its centre): the slice "
    "costs points × points passes over the sample.",
    min=5,
    max=51,
)
SPAN = Param(
    "span",
    "float",
    1.0,
    "How far the slice reaches from the current weights. With random directions, 1 moves every filter by "
    "its own size; along the training path, 1 just covers the path.",
    min=0.1,
    max=5.0,
)
PLANE = Param(
    "plane",
    "choice",
    "random",
    "random: two random directions, each filter scaled to the filter it moves (Li et al., 2018); "
    "path: the two directions the training path spread along most (PCA), with the path drawn on it.",
    choices=("random", "path"),
)
LINE_POINTS = 41  # points along the line: enough for a smooth curve, a fraction of a second
CHUNK = 25  # parameter sets per vectorised pass along the line (a slice's row is one pass)


class LandscapeError(DlcoreError):
    """A landscape that cannot be drawn: no model, a recipe without one loss, a bad setting."""


@dataclass(frozen=True)
class LossProblem:
    """What each point's loss is measured with: the model (CPU, eval mode), a fixed sample of its training
    inputs `x` and targets `y` (laid out for the loss) and `loss(outputs, y) -> scalar tensor`."""

    model: nn.Module
    x: torch.Tensor
    y: torch.Tensor
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

    def params(self) -> dict[str, torch.Tensor]:
        return {name: p.detach() for name, p in self.model.named_parameters()}

    def loss_with(self, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """The loss (a scalar tensor) with `params` in place of the model's parameters."""
        buffers = dict(self.model.named_buffers())
        return self.loss(functional_call(self.model, {**params, **buffers}, (self.x,)), self.y)

    @torch.no_grad()
    def losses(self, batched: dict[str, torch.Tensor]) -> np.ndarray:
        """The losses for a batch of parameter sets (each tensor (sets, *shape)): one vectorised pass
        (torch.func.vmap) when every layer has a batching rule, else one pass per set (recurrent layers)."""
        # A second intra-op thread only spins against the training threads: measured 7x slower on 2 busy
        # cores. Set for the calling thread (the page's), as the playground's views do.
        torch.set_num_threads(1)
        try:
            return vmap(self.loss_with)(batched).numpy()
        except RuntimeError:  # e.g. "Batching rule not implemented for aten::lstm"
            sets = len(next(iter(batched.values())))
            one_by_one = ({n: v[i] for n, v in batched.items()} for i in range(sets))
            return np.array([float(self.loss_with(params)) for params in one_by_one])


@dataclass(frozen=True)
class LossLine:
    """Losses at `alphas` along start + alpha × (end - start): alpha 0 is the start, 1 the current weights."""

    alphas: np.ndarray
    losses: np.ndarray
    start_loss: float
    end_loss: float


@dataclass(frozen=True)
class LossSlice:
    """Losses on a plane through the current weights: `losses[j, i]` at `alphas[i]` × the first direction
    + `betas[j]` × the second; (0, 0) is the current weights, whose loss is `centre_loss`. For the "path"
    plane, `path` is the training path's (alpha, beta) at `path_steps`, and `explained` the share of the
    path's spread each direction holds."""

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    centre_loss: float
    plane: str
    path: np.ndarray | None = None
    path_steps: tuple[int, ...] = ()
    explained: tuple[float, float] | None = None


def problem_of(job, model: nn.Module | None = None, sample: int = SAMPLE_SIZE) -> LossProblem:
    """The loss problem of a training job: its loss, a fixed sample of its training split, and `model`
    (default: a snapshot of the job's model now). LandscapeError when there is no job or no single loss."""
    if job is None:
        raise LandscapeError("there is no model yet: train one on the Train page first", field="model")
    objective = job.objective
    if objective is None:
        raise LandscapeError(
            f"the loss landscape needs a model trained to fit targets (the supervised recipe); this run "
            f"trains with the {job.recipe} recipe, whose models each have a loss of their own",
            field="recipe",
        )
    x, y = job.dataset.train
    keep = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))[:sample]
    x = x[keep]
    model = model if model is not None else job.snapshot()
    return LossProblem(model.eval(), x, adapt_targets(objective, y[keep], x), objective.loss)


def job_landscape(
    job,
    points: int = POINTS.default,
    span: float = SPAN.default,
    plane: str = PLANE.default,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
) -> tuple[LossLine, LossSlice]:
    """The line from the first weights of `job`'s run to its model now, and the slice around the model
    now (see `loss_slice`; the "path" plane runs through the moments the job kept, then the weights now).
    `progress(fraction)` is called as the points are measured. LandscapeError says what is missing."""
    points, span, plane = _checked(points, span, plane)
    problem = problem_of(job)
    start = job.rewind.first_state()
    if start is None:
        raise LandscapeError(
            "the weights this run started from were not kept: "
            + ("train it a few steps first" if job.rewind.enabled else "the model is too big to keep them"),
            field="model",
        )
    path = None
    if plane == "path":
        path = [(step, job.rewind.state_at(step)) for step in job.rewind.steps()]
        path.append((job.progress()["step"], problem.model.state_dict()))  # the path ends where it is now
    report = progress or (lambda fraction: None)
    line = loss_line(problem, start, progress=lambda fraction: report(0.1 * fraction))
    picked = loss_slice(
        problem, points, span, plane, seed, path, lambda fraction: report(0.1 + 0.9 * fraction)
    )
    return line, picked


def filter_normalised_direction(
    params: dict[str, torch.Tensor], generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """A random direction in weight space with each filter scaled to the norm of the filter it moves.

    A filter is one slice along the first dimension: a convolution's output channel, one output unit's row
    of a dense layer. One-dimensional parameters (biases, normalisation scales) stay still (zero), as in
    Li et al., 2018: they are few, and moving them hides the shape the weights give the landscape.
    """
    direction = {}
    for name, weight in params.items():
        if weight.dim() <= 1:
            direction[name] = torch.zeros_like(weight)
            continue
        noise = torch.randn(weight.shape, generator=generator, dtype=weight.dtype)
        scale = weight.flatten(1).norm(dim=1) / noise.flatten(1).norm(dim=1).clamp_min(1e-12)
        direction[name] = noise * scale.view(-1, *[1] * (weight.dim() - 1))
    return direction


def loss_line(
    problem: LossProblem,
    start: dict[str, torch.Tensor],
    points: int = LINE_POINTS,
    progress: Callable[[float], None] | None = None,
) -> LossLine:
    """The loss along the line from the `start` state (the weights a run began with) to the model's
    current weights, LINE_BEYOND past both ends; alpha 0 and 1 are always among the points."""
    end = problem.params()
    move = {n: w - start[n] for n, w in end.items()}
    alphas = np.union1d(np.linspace(-LINE_BEYOND, 1 + LINE_BEYOND, points), [0.0, 1.0])
    losses = []
    for at in range(0, len(alphas), CHUNK):
        chunk = _column(alphas[at : at + CHUNK])
        losses.append(problem.losses({n: start[n] + _along(chunk, move[n]) for n in end}))
        if progress is not None:
            progress(min(1.0, (at + CHUNK) / len(alphas)))
    losses = np.concatenate(losses)
    return LossLine(alphas, losses, float(losses[alphas == 0.0][0]), float(losses[alphas == 1.0][0]))


def loss_slice(
    problem: LossProblem,
    points: int = POINTS.default,
    span: float = SPAN.default,
    plane: str = PLANE.default,
    seed: int = 0,
    path: list[tuple[int, dict[str, torch.Tensor]]] | None = None,
    progress: Callable[[float], None] | None = None,
) -> LossSlice:
    """The loss on a `points` × `points` grid of a plane through the current weights (module docstring).

    `plane` "random": directions drawn from `seed`, coordinates from -span to span. `plane` "path": `path`
    is the run's kept moments, (step, state dict) from first to last, at least three; the grid covers the
    path's projection, `span` times. `progress(fraction)` is called after each row.
    """
    points, span, plane = _checked(points, span, plane)
    centre = problem.params()
    if plane == "random":
        generator = torch.Generator().manual_seed(seed)
        first, second = (filter_normalised_direction(centre, generator) for _ in range(2))
        alphas = betas = _axis(span, points)
        drawn, steps, explained = None, (), None
    else:
        first, second, drawn, explained = _path_plane(centre, path)
        steps = tuple(step for step, _ in path)
        alphas, betas = (_axis(span * _reach(drawn[:, k]), points) for k in (0, 1))
    losses = np.empty((points, points))
    row = _column(alphas)
    for j, beta in enumerate(betas):  # one row of the grid per vectorised pass
        losses[j] = problem.losses(
            {n: w + _along(row, first[n]) + float(beta) * second[n] for n, w in centre.items()}
        )
        if progress is not None:
            progress((j + 1) / points)
    mid = points // 2
    return LossSlice(alphas, betas, losses, float(losses[mid, mid]), plane, drawn, steps, explained)


def _column(coords: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(coords, dtype=torch.float32)


def _along(coords: torch.Tensor, direction: torch.Tensor) -> torch.Tensor:
    """coords[i] × direction for each i: (len(coords), *direction.shape)."""
    return coords.view(-1, *[1] * direction.dim()) * direction


def _checked(points, span, plane) -> tuple[int, float, str]:
    try:
        points, span, plane = POINTS.coerce(points), SPAN.coerce(span), PLANE.coerce(plane)
    except ValueError as err:
        raise LandscapeError(str(err)) from None
    if points % 2 == 0:
        raise LandscapeError(
            f"'points' must be odd, so that the current weights sit at the centre: try {points + 1}",
            field="points",
        )
    return points, span, plane


def _axis(reach: float, points: int) -> np.ndarray:
    axis = np.linspace(-reach, reach, points)
    axis[points // 2] = 0.0  # exactly the current weights, whatever the rounding
    return axis


def _reach(coords: np.ndarray) -> float:
    """How far the grid reaches along one direction: past the furthest point of the path, never zero."""
    return 1.15 * max(float(np.abs(coords).max()), 1e-3)


def _path_plane(centre: dict[str, torch.Tensor], path) -> tuple[dict, dict, np.ndarray, tuple[float, float]]:
    """The two principal directions of the path's moves away from the current weights (unit vectors, as
    state dicts), the path's coordinates on them, and the share of the spread each holds."""
    if path is None or len(path) < 3:
        raise LandscapeError(
            "the training path needs at least three kept moments: train a few steps first", field="plane"
        )
    names = list(centre)
    offsets = torch.stack(
        [torch.cat([(state[n] - centre[n]).flatten() for n in names]) for _, state in path]
    ).double()  # (moments, parameters)
    _, sizes, directions = torch.linalg.svd(offsets, full_matrices=False)
    spread = (sizes**2).sum()
    if spread == 0:
        raise LandscapeError("the weights never moved in this run: there is no path to draw", field="plane")
    coords = (offsets @ directions[:2].T).numpy()  # (moments, 2)
    explained = tuple(float(s**2 / spread) for s in sizes[:2])
    first, second = (_as_state(directions[k].float(), centre) for k in (0, 1))
    return first, second, coords, explained


def _as_state(flat: torch.Tensor, like: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    state, at = {}, 0
    for name, value in like.items():
        state[name] = flat[at : at + value.numel()].view_as(value)
        at += value.numel()
    return state
