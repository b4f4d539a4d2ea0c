"""2-D toy sets in the spirit of TensorFlow Playground: points in [-6, 6]², a noise slider, feature toggles.

Every generator returns raw points (N, 2) and labels; `featurize` turns points into the selected input
features (x1, x2, x1², ...). The same function is applied to a grid to draw a model's decision boundary,
so the picture and the training data can never disagree. Inputs are not standardised: like TF
Playground, the axes a student sees are the numbers the network gets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
import torch

from dlcore.data.catalogue import MultiChoiceParam, dataset, split_params
from dlcore.data.dataset import Dataset, Split, split_dataset, split_indices
from dlcore.errors import DataError
from dlcore.params import Param

EXTENT = 6.0  # points live in [-EXTENT, EXTENT]²

# name -> transform of the raw coordinates (x1, x2), each (N,) -> (N,)
FEATURES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1*x2": lambda a, b: a * b,
    "sin(x1)": lambda a, b: torch.sin(a),
    "sin(x2)": lambda a, b: torch.sin(b),
}


FEATURES_PARAM = MultiChoiceParam(
    "features",
    "choice",
    ("x1", "x2"),
    "Input features computed from each point (x1, x2 are its coordinates), like TF Playground's toggles.",
    choices=tuple(FEATURES),
)


def featurize(points: torch.Tensor | np.ndarray, features: Sequence[str] = ("x1", "x2")) -> torch.Tensor:
    """Raw points (N, 2) -> model inputs (N, F) float32, one column per feature in `features`' order."""
    try:
        features = FEATURES_PARAM.coerce(features)
    except ValueError as err:
        raise DataError(str(err), field="features") from None
    points = torch.as_tensor(points, dtype=torch.float32)
    if points.ndim != 2 or points.shape[1] != 2:
        raise DataError(f"points must have shape (N, 2), not {tuple(points.shape)}", field="points")
    a, b = points[:, 0], points[:, 1]
    return torch.stack([FEATURES[f](a, b) for f in features], dim=1)


def _params(points: int = 500) -> tuple[Param, ...]:
    return (
        Param("num_points", "int", points, "How many points to generate in total.", min=50, max=5000),
        Param(
            "noise",
            "int",
            0,
            "Noise in percent, as TF Playground's slider: how far points are pushed off their pattern.",
            min=0,
            max=50,
        ),
        FEATURES_PARAM,
    ) + split_params(train=0.7, val=0.1)


def _jitter(points: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    return points + rng.uniform(-scale, scale, size=points.shape)


def _polar(r: np.ndarray, t: np.ndarray) -> np.ndarray:
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def _halves(n: int) -> tuple[int, int]:
    return n // 2, n - n // 2


# Generators: (n, noise in [0, 0.5], rng) -> points (n, 2), labels (n,) int or targets (n,) float.
def _circle(n, noise, rng):
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate([rng.uniform(0, 0.5 * radius, n_in), rng.uniform(0.7 * radius, radius, n_out)])
    points = _polar(r, rng.uniform(0, 2 * np.pi, n))
    labels = np.concatenate([np.ones(n_in), np.zeros(n_out)])
    return _jitter(points, radius * noise, rng), labels


def _xor(n, noise, rng):
    points = rng.uniform(-5, 5, size=(n, 2))
    points += np.sign(points) * 0.3  # a gap along the axes keeps the quadrants apart without noise
    labels = (points[:, 0] * points[:, 1] > 0).astype(float)
    return _jitter(points, 5 * noise, rng), labels


def _gaussian(n, noise, rng):
    std = 0.7 + 2.6 * noise  # the clusters overlap more as the noise grows
    n_a, n_b = _halves(n)
    centres = np.concatenate([np.full((n_a, 2), -2.0), np.full((n_b, 2), 2.0)])
    labels = np.concatenate([np.zeros(n_a), np.ones(n_b)])
    return centres + rng.normal(0, std, size=(n, 2)), labels


def spiral_points(n, noise, rng, arms):
    """`arms` interleaved spirals, one class per arm, winding out to radius 5."""
    labels = np.arange(n) % arms
    s = rng.uniform(0, 1, n)  # position along the arm: 0 = centre, 1 = tip
    points = _polar(5 * s, 1.75 * 2 * np.pi * s + 2 * np.pi * labels / arms)
    return _jitter(points, noise, rng), labels.astype(float)  # arms lie ~1.4 apart: keep the jitter small


def _spiral(n, noise, rng):
    return spiral_points(n, noise, rng, 2)


def moons_points(n, noise, rng):
    n_up, n_down = _halves(n)
    t_up, t_down = rng.uniform(0, np.pi, n_up), rng.uniform(0, np.pi, n_down)
    up = np.stack([np.cos(t_up), np.sin(t_up)], axis=1)
    down = np.stack([1 - np.cos(t_down), 0.5 - np.sin(t_down)], axis=1)
    points = (np.concatenate([up, down]) - [0.5, 0.25]) * 2.8  # centred, scaled to fill the square
    labels = np.concatenate([np.zeros(n_up), np.ones(n_down)])
    return points + rng.normal(0, 2 * noise, size=points.shape), labels


def _blobs(n, noise, rng, classes):
    labels = np.arange(n) % classes
    angle = 2 * np.pi * labels / classes + np.pi / 2
    centres = _polar(np.full(n, 3.5), angle)
    return centres + rng.normal(0, 0.6 + 3 * noise, size=(n, 2)), labels.astype(float)


def _plane(n, noise, rng):
    points = rng.uniform(-EXTENT, EXTENT, size=(n, 2))
    target = (points[:, 0] + points[:, 1]) / (2 * EXTENT)  # in [-1, 1]
    return points, target + rng.normal(0, noise, n)


# Six bumps on a 3 x 2 grid with alternating signs: a landscape of hills and valleys.
_BUMPS = [
    (x, y, 1.0 if (i + j) % 2 == 0 else -1.0)
    for i, x in enumerate((-4, 0, 4))
    for j, y in enumerate((-2.5, 2.5))
]


def _multi_gaussian(n, noise, rng):
    points = rng.uniform(-EXTENT, EXTENT, size=(n, 2))
    target = np.zeros(n)
    for x, y, sign in _BUMPS:
        target += sign * np.exp(-((points[:, 0] - x) ** 2 + (points[:, 1] - y) ** 2) / (2 * 1.5**2))
    return points, np.clip(target, -1, 1) + rng.normal(0, noise, n)


def _build(name, task, description, class_names, generate, num_points, noise, **settings):
    rng = np.random.default_rng(settings["seed"])
    points, labels = generate(num_points, noise / 100, rng)
    return points_dataset(
        name, task, description, class_names, np.clip(points, -EXTENT, EXTENT), labels, rng=rng, **settings
    )


def points_dataset(
    name: str,
    task: str,
    description: str,
    class_names: Sequence[str],
    points: np.ndarray,
    labels: np.ndarray,
    *,
    features: Sequence[str],
    train_fraction: float,
    val_fraction: float,
    seed: int,
    rng: np.random.Generator | None = None,
) -> Dataset:
    """Raw points (N, 2) with class indices or regression values (N,) -> a 2-D Dataset of `features`."""
    rng = rng if rng is not None else np.random.default_rng(seed)
    classify = task != "regression"
    idx = split_indices(len(points), train_fraction, val_fraction, rng, labels if classify else None)
    raw = torch.as_tensor(points, dtype=torch.float32)
    if classify:
        targets = torch.as_tensor(labels, dtype=torch.int64)
    else:
        targets = torch.as_tensor(labels, dtype=torch.float32).reshape(-1, 1)
    return split_dataset(
        name,
        task,
        "toy2d",
        featurize(raw, features),
        targets,
        idx,
        class_names=class_names if classify else (),
        description=description,
        feature_names=list(features),
        raw_2d=Split(*(raw[torch.as_tensor(i)] for i in idx)),
    )


def _register(name, task, description, class_names, generate, points=500):
    @dataset(name, "toy2d", task, description, _params(points))
    def build(**settings):
        return _build(name, task, description, class_names, generate, **settings)

    return build


_register(
    "circle",
    "binary",
    "A disc of one class inside a ring of the other: needs a curved boundary (try x1² and x2²).",
    ["outer ring", "inner disc"],
    _circle,
)
_register(
    "xor",
    "binary",
    "Opposite quadrants share a class: no single line separates them (try x1·x2).",
    ["x1·x2 < 0", "x1·x2 > 0"],
    _xor,
)
_register(
    "gaussian",
    "binary",
    "Two round clusters: a straight line separates them; noise makes them overlap.",
    ["cluster A", "cluster B"],
    _gaussian,
)
_register(
    "spiral",
    "binary",
    "Two interleaved spiral arms: the hardest pattern, needs several hidden layers (or sin features).",
    ["arm 1", "arm 2"],
    _spiral,
)
_register(
    "moons",
    "binary",
    "Two interlocking half-moons: a gently curved boundary.",
    ["upper moon", "lower moon"],
    moons_points,
)
_register(
    "plane",
    "regression",
    "Regression: the target rises evenly across the square (x1 + x2 scaled to [-1, 1]).",
    [],
    _plane,
    points=1000,
)
_register(
    "multi_gaussian",
    "regression",
    "Regression: a landscape of three hills and three valleys to fit.",
    [],
    _multi_gaussian,
    points=1000,
)


def _multiclass(name, description, label, generate, option):
    params = _params()
    params = (
        params[:2] + (Param(option, "int", 3, f"How many {label}s (classes).", min=3, max=5),) + params[2:]
    )

    @dataset(name, "toy2d", "multiclass", description, params)
    def build(**settings):
        k = settings.pop(option)
        names = [f"{label} {i + 1}" for i in range(k)]
        return _build(
            name, "multiclass", description, names, lambda n, z, r: generate(n, z, r, k), **settings
        )

    return build


_multiclass(
    "blobs",
    "Three to five round clusters, one class each: softmax over several classes.",
    "blob",
    _blobs,
    "classes",
)
_multiclass(
    "multi_spiral",
    "Three to five interleaved spiral arms, one class each: a hard multiclass boundary.",
    "arm",
    spiral_points,
    "arms",
)


def _rare(n, noise, rng, share):
    """Like "gaussian", but only `share` of the points belong to class 1 (the rare class)."""
    std = 0.7 + 2.6 * noise
    n_rare = max(2, round(n * share))
    centres = np.concatenate([np.full((n - n_rare, 2), -1.5), np.full((n_rare, 2), 1.5)])
    labels = np.concatenate([np.zeros(n - n_rare), np.ones(n_rare)])
    return centres + rng.normal(0, std, size=(n, 2)), labels


RARE_SHARE = Param(
    "minority_share",
    "float",
    0.05,
    "Share of the points in the rare class: 0.5 is balanced, 0.05 is one point in twenty.",
    min=0.02,
    max=0.5,
)
RARE_DESCRIPTION = (
    "Two overlapping clusters, one of them rare (5 % of the points by default): high accuracy is easy by "
    "ignoring the rare class, so watch its recall."
)


_POINTS = _params(4000)  # enough points that the test split holds 40 rare ones


@dataset("rare_class", "toy2d", "binary", RARE_DESCRIPTION, _POINTS[:2] + (RARE_SHARE,) + _POINTS[2:])
def _load_rare(minority_share, **settings):
    rare = partial(_rare, share=minority_share)
    return _build("rare_class", "binary", RARE_DESCRIPTION, ["common", "rare"], rare, **settings)
