"""2-D distributions for generative models (GAN, VAE, diffusion), and "your own points".

A generative model learns where the points are, so targets are empty (N, 0) tensors. Inputs are
centred and scaled by one common factor from the training split (the shape keeps its proportions), so
a model starting from standard normal noise works at the right scale; `ds.denormalize` maps samples back.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from dlcore.data.catalogue import dataset, split_params
from dlcore.data.dataset import Dataset, Normalization, split_dataset, split_indices
from dlcore.data.toy2d import FEATURES_PARAM, moons_points, points_dataset, spiral_points
from dlcore.errors import DataError
from dlcore.params import Param, ParamValueError, coerce_all


def _points_param() -> Param:
    return Param("num_points", "int", 2000, "How many points to draw.", min=100, max=20000)


def _noise_param(default: float) -> Param:
    return Param(
        "noise",
        "float",
        default,
        "Spread of the points around the pattern (the pattern spans about 2).",
        min=0.0,
        max=0.5,
    )


def generative_dataset(name: str, points: np.ndarray, description: str, split: dict, rng) -> Dataset:
    """Points (N, 2) -> a generative Dataset, standardised with the training split's centre and spread."""
    idx = split_indices(len(points), split["train_fraction"], split["val_fraction"], rng)
    x = torch.as_tensor(points, dtype=torch.float32)
    train_x = x[torch.as_tensor(idx.train)]
    mean = train_x.mean(dim=0)
    spread = (train_x - mean).std().clamp_min(1e-8)  # one factor for both axes keeps the shape's proportions
    norm = Normalization(mean, spread.expand(2).clone())
    return split_dataset(
        name,
        "generation",
        "generative",
        norm.apply(x),
        torch.zeros(len(x), 0),  # nothing to predict: a generative model learns the inputs' distribution
        idx,
        description=description,
        feature_names=["x1", "x2"],
        normalization=norm,
    )


def _register(name: str, description: str, draw, extra: tuple[Param, ...] = (), noise: float = 0.05):
    """`draw(n, rng, **extra)` -> points (n, 2) spanning about [-1, 1]²; noise is added here."""

    @dataset(
        name,
        "generative",
        "generation",
        description,
        (_points_param(), _noise_param(noise), *extra) + split_params(0.8, 0.1),
    )
    def build(num_points, noise, train_fraction, val_fraction, seed, **more):
        rng = np.random.default_rng(seed)
        points = draw(num_points, rng, **more) + rng.normal(0, noise, size=(num_points, 2))
        split = {"train_fraction": train_fraction, "val_fraction": val_fraction}
        return generative_dataset(name, points, description, split, rng)

    return build


def _ring(n, rng, modes):
    angle = 2 * np.pi * rng.integers(0, modes, n) / modes
    return np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _grid(n, rng, side):
    ticks = np.linspace(-1, 1, side)
    return ticks[rng.integers(0, side, size=(n, 2))]


def _swiss_roll(n, rng):
    t = 1.5 * np.pi * (1 + 2 * rng.uniform(0, 1, n))
    return np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (4.5 * np.pi)


_register(
    "ring",
    "Gaussians spaced evenly on a circle: a GAN that collapses onto a few of them shows mode collapse.",
    _ring,
    (Param("modes", "int", 8, "How many gaussians on the ring.", min=3, max=16),),
)
_register(
    "grid",
    "Gaussians on a square grid: many separate modes to cover.",
    _grid,
    (Param("side", "int", 5, "Gaussians per side of the grid.", min=2, max=7),),
)
_register(
    "two_moons",
    "Two interlocking half-moons: thin curved shapes to reproduce.",
    lambda n, rng: moons_points(n, 0.0, rng)[0] / 4,
)
_register(
    "spiral_2d",
    "A two-armed spiral: long thin curves winding in.",
    lambda n, rng: spiral_points(n, 0.0, rng, 2)[0] / 5,
    noise=0.02,
)
_register(
    "swiss_roll",
    "A rolled-up sheet seen from its end: one long curve winding out.",
    _swiss_roll,
    noise=0.03,
)


def from_points(
    x,
    y=None,
    *,
    task: str | None = None,
    class_names: Sequence[str] | None = None,
    features: Sequence[str] = ("x1", "x2"),
    train_fraction: float = 0.7,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> Dataset:
    """Your own 2-D points as a dataset.

    Without `y`: a generative dataset of the points. With `y`: whole numbers are class labels
    (task "binary"/"multiclass"), other numbers regression targets (or say `task="regression"`); the
    points are used like a 2-D toy set (raw coordinates, `features` transforms, `raw_2d`).
    """
    points = np.asarray(x, dtype=np.float64)
    if points.size == 0:  # no points yet: say how many are needed, not what shape they lack
        points = points.reshape(0, 2)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DataError(
            f"points must be a list of (x1, x2) pairs, shape (N, 2); got {points.shape}", field="x"
        )
    if len(points) < 10:
        raise DataError(
            f"need at least 10 points to split into training and test data, got {len(points)}", field="x"
        )
    if not np.isfinite(points).all():
        raise DataError("points contain NaN or infinite values: remove them", field="x")
    try:
        split = coerce_all(
            split_params(), {"train_fraction": train_fraction, "val_fraction": val_fraction, "seed": seed}
        )
        features = coerce_all((FEATURES_PARAM,), {"features": features})["features"]
    except ParamValueError as err:
        raise DataError(str(err), field=err.field) from None
    description = f"Your own {len(points)} points."
    rng = np.random.default_rng(seed)
    if y is None:
        return generative_dataset("points", points, description, split, rng)
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    if len(values) != len(points):
        raise DataError(f"{len(values)} labels for {len(points)} points: give one per point", field="y")
    if not np.isfinite(values).all():
        raise DataError("labels contain NaN or infinite values", field="y")
    if task is None:
        task = "multiclass" if np.all(values == np.round(values)) and values.min() >= 0 else "regression"
    if task == "regression":
        return points_dataset(
            "points", "regression", description, [], points, values, features=features, **split
        )
    if task not in ("binary", "multiclass"):
        raise DataError(f"task must be 'binary', 'multiclass' or 'regression', not {task!r}", field="task")
    if not np.all(values == np.round(values)) or values.min() < 0:
        raise DataError("class labels must be whole numbers 0, 1, 2, ...", field="y")
    labels = values.astype(np.int64)
    k = int(labels.max()) + 1
    if len(np.unique(labels)) < 2:
        raise DataError("all points have the same label: give at least two classes", field="y")
    names = list(class_names) if class_names is not None else [f"class {i}" for i in range(k)]
    if len(names) < k:
        raise DataError(f"{len(names)} class names for {k} classes", field="class_names")
    task = "binary" if k == 2 else "multiclass"
    return points_dataset("points", task, description, names[:k], points, labels, features=features, **split)
