"""The optimizer race: classic 2-D test functions, and the engine's own optimizers descending them.

Each racer is `dlcore.make_optimizer(name, [point], lr)` (the Train page's optimizer, default settings)
stepping one 2-D point down the surface with autograd's gradient: the very same torch.optim code that
trains networks, on a function whose shape a student can see.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from dlcore.learning.backprop import LearningError
from dlcore.optim import LEARNING_RATE, OPTIMIZERS, make_optimizer
from dlcore.registry import Registry

RACE_STEPS = 150
ESCAPE = 4.0  # a racer farther than this many map-widths from the map has diverged: it stops there


@dataclass(frozen=True)
class Surface:
    """A 2-D test function: `f(x, y)` on tensors, the map's ranges, where the race starts by default,
    its lowest value and where it is (for the loss-above-the-minimum chart), default learning rates."""

    name: str
    title: str
    help: str
    f: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    lowest: float
    lrs: Mapping[str, float]  # optimizer -> a learning rate that races well here
    steps: int = RACE_STEPS

    def contains(self, point: tuple[float, float]) -> bool:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return x0 <= point[0] <= x1 and y0 <= point[1] <= y1

    def grid(self, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """xs (n,), ys (n,), and f on the grid (n, n) with rows along y."""
        xs, ys = torch.linspace(*self.x_range, n), torch.linspace(*self.y_range, n)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")
        return xs.numpy(), ys.numpy(), self.f(gx, gy).numpy()


def _lrs(sgd: float, adaptive: float) -> dict[str, float]:
    """Default learning rates: the SGD family scaled to the surface's gradients, the adaptive ones (whose
    steps are about lr long whatever the gradient) to the map's size."""
    rates = {
        "sgd": sgd,
        "momentum": sgd / 3,
        "nesterov": sgd / 3,
        "adam": adaptive,
        "adamw": adaptive,
        "rmsprop": adaptive / 3,
        "adagrad": adaptive * 5,
    }
    return {name: float(f"{lr:.1g}") for name, lr in rates.items()}  # round numbers a student can read


SURFACES: Registry[Surface] = Registry("surface", LearningError)
for _surface in (
    Surface(
        "rosenbrock",
        "Rosenbrock",
        "A long, curved, flat-bottomed valley: easy to find, slow to follow to the minimum at (1, 1).",
        lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
        (-2.0, 2.0),
        (-1.0, 3.0),
        (-1.2, 1.0),  # the classic start, across the valley from the minimum
        ((1.0, 1.0),),
        0.0,
        {
            "sgd": 1e-3,
            "momentum": 5e-4,
            "nesterov": 5e-4,
            "adam": 0.1,
            "adamw": 0.1,
            "rmsprop": 0.03,
            "adagrad": 0.5,
        },
        steps=300,  # the valley is long: in 150 steps no one gets far along it
    ),
    Surface(
        "beale",
        "Beale",
        "Flat plateaus and steep walls with sharp corners; the minimum is at (3, 0.5).",
        lambda x, y: (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2,
        (-4.5, 4.5),
        (-4.5, 4.5),
        (1.0, 1.8),
        ((3.0, 0.5),),
        0.0,
        _lrs(2e-3, 0.1),
    ),
    Surface(
        "himmelblau",
        "Himmelblau",
        "Four equally low minima: where each optimizer ends depends on its path.",
        lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (-0.3, -0.9),
        ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        0.0,
        _lrs(5e-3, 0.2),
    ),
    Surface(
        "saddle",
        "Saddle",
        "x² − y² + y⁴/4: a saddle at (0, 0) between two valleys. Starting almost on the ridge, the gradient "
        "across it is tiny at first: who escapes, and how fast?",
        lambda x, y: x**2 - y**2 + y**4 / 4,
        (-2.0, 2.0),
        (-2.0, 2.0),
        (-1.8, 0.02),
        ((0.0, math.sqrt(2)), (0.0, -math.sqrt(2))),
        -1.0,
        _lrs(0.05, 0.05),
    ),
    Surface(
        "bowl",
        "Ill-conditioned bowl",
        "(x² + 30 y²) / 2: a bowl 30 times steeper across than along. One learning rate cannot suit both "
        "directions: plain SGD zig-zags across and crawls along.",
        lambda x, y: (x**2 + 30 * y**2) / 2,
        (-3.0, 3.0),
        (-1.5, 1.5),
        (-2.8, 1.0),
        ((0.0, 0.0),),
        0.0,
        _lrs(0.06, 0.1),
    ),
):
    SURFACES.register(_surface.name, _surface)


@dataclass(frozen=True)
class Track:
    """One racer's path: points (steps+1, 2) from the start, the function's value at each, and the step
    at which it left the map far behind (None: it stayed)."""

    optimizer: str
    lr: float
    points: np.ndarray
    losses: np.ndarray
    diverged_at: int | None


def check_start(surface: Surface, start: tuple[float, float]) -> None:
    if not surface.contains(start):
        (x0, x1), (y0, y1) = surface.x_range, surface.y_range
        raise LearningError(
            f"the start ({start[0]:g}, {start[1]:g}) is off the {surface.title} map: choose x from {x0:g} to "
            f"{x1:g} and y from {y0:g} to {y1:g}",
            field="start",
        )


def race(
    surface: Surface, start: tuple[float, float], lrs: Mapping[str, float], steps: int | None = None
) -> dict[str, Track]:
    """Each optimizer in `lrs` (name -> learning rate) stepping from `start` for `steps` steps (None: the
    surface's own number)."""
    check_start(surface, start)
    steps = surface.steps if steps is None else steps
    tracks = {}
    for name, lr in lrs.items():
        OPTIMIZERS.get(name)
        LEARNING_RATE.coerce(lr)
        tracks[name] = _run(surface, start, name, lr, steps)
    return tracks


def _run(surface: Surface, start: tuple[float, float], name: str, lr: float, steps: int) -> Track:
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer(name, [point], lr)
    points, losses, diverged_at = [list(start)], [], None
    for step in range(steps + 1):
        loss = surface.f(point[0], point[1])
        losses.append(loss.item())
        if step == steps or not _on_map(surface, point):
            diverged_at = None if step == steps else step
            break
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        points.append(point.detach().tolist())
    return Track(name, lr, np.array(points), np.array(losses), diverged_at)


def _on_map(surface: Surface, point: torch.Tensor) -> bool:
    """False once the point is not finite or far off the map (the race would only draw it flying off)."""
    x, y = point.tolist()
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    wx, wy = (x1 - x0) * ESCAPE, (y1 - y0) * ESCAPE
    return math.isfinite(x) and math.isfinite(y) and x0 - wx <= x <= x1 + wx and y0 - wy <= y <= y1 + wy
