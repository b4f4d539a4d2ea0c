"""Images: 8x8 digits (bundled with scikit-learn) and generated shapes, with optional augmentation.

Raw images are float pixels in [0, 1], shaped (C, H, W). Inputs are standardised per channel with the
training split's statistics (`ds.normalize` maps a drawn digit or an uploaded image the same way).
The shapes set can carry a spurious cue: a small mark whose corner gives the class away in the training
and validation images but is random in the test images, so a model that learned the mark instead of
the shape fails the test, and a saliency map shows where it looked.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import torch
import torch.nn.functional as F

from dlcore.data.catalogue import MultiChoiceParam, dataset, split_params
from dlcore.data.dataset import Dataset, Normalization, Split, split_indices
from dlcore.params import Param

AUGMENTATIONS = ("shift", "rotation", "flip", "noise")


def augmentation_params() -> tuple[Param, ...]:
    return (
        MultiChoiceParam(
            "augment",
            "choice",
            (),
            "Random changes added to copies of the training images: shift (up to 10%), rotation "
            "(up to 15°), horizontal flip, pixel noise. Validation and test images stay as they are.",
            choices=AUGMENTATIONS,
            min_count=0,
        ),
        Param(
            "augment_copies",
            "int",
            1,
            "How many augmented copies of each training image to add (when augment is on).",
            min=1,
            max=4,
        ),
    )


def augment_images(images: torch.Tensor, kinds: tuple[str, ...], generator: torch.Generator) -> torch.Tensor:
    """A randomly changed copy of raw images (N, C, H, W) in [0, 1]; `kinds` as in the `augment` option."""
    n = images.shape[0]
    out = images
    if "shift" in kinds or "rotation" in kinds:
        angle = torch.zeros(n)
        shift = torch.zeros(n, 2)
        if "rotation" in kinds:
            angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(15)
        if "shift" in kinds:
            shift = (torch.rand(n, 2, generator=generator) * 2 - 1) * 0.2  # 0.2 of the [-1, 1] span = 10%
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.stack(
            [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
        )
        grid = F.affine_grid(theta, list(out.shape), align_corners=False)
        out = F.grid_sample(out, grid, padding_mode="zeros", align_corners=False)
    if "flip" in kinds:
        flip = torch.rand(n, generator=generator) < 0.5
        out = torch.where(flip[:, None, None, None], out.flip(-1), out)
    if "noise" in kinds:
        out = (out + 0.05 * torch.randn(out.shape, generator=generator)).clamp(0, 1)
    return out


def image_dataset(
    name: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    idx: Split,
    *,
    class_names: list[str],
    description: str,
    augment: tuple[str, ...] = (),
    augment_copies: int = 1,
    seed: int = 0,
    cue_region: torch.Tensor | None = None,
    notes: list[str] | None = None,
) -> Dataset:
    """Raw images (N, C, H, W) in [0, 1] and int labels (N,) split by `idx` -> a normalised Dataset."""
    pick = lambda i: (images[torch.as_tensor(i)], labels[torch.as_tensor(i)])  # noqa: E731
    (x_train, y_train), val, test = pick(idx.train), pick(idx.val), pick(idx.test)
    notes = list(notes or [])
    if augment:
        generator = torch.Generator().manual_seed(seed)
        copies = [augment_images(x_train, augment, generator) for _ in range(augment_copies)]
        x_train = torch.cat([x_train, *copies])
        y_train = y_train.repeat(augment_copies + 1)
        notes.append(
            f"Training set: {len(idx.train)} images plus {augment_copies} augmented "
            f"cop{'y' if augment_copies == 1 else 'ies'} of each ({', '.join(augment)})."
        )
    norm = Normalization.fit(x_train, dims=(0, 2, 3))
    shape = tuple(images.shape[1:])
    return Dataset(
        name=name,
        task="multiclass",
        family="images",
        input_shape=shape,
        train=(norm.apply(x_train), y_train),
        val=(norm.apply(val[0]), val[1]),
        test=(norm.apply(test[0]), test[1]),
        description=description,
        num_classes=len(class_names),
        class_names=list(class_names),
        feature_names=[],
        target_shape=(),
        normalization=norm,
        image_shape=shape,
        cue_region=cue_region,
        indices=idx,
        notes=notes,
    )


@cache
def _digits() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = torch.as_tensor(bunch.images, dtype=torch.float32)[:, None] / 16.0  # (1797, 1, 8, 8) in [0, 1]
    return images, torch.as_tensor(bunch.target, dtype=torch.int64)


DIGITS_DESCRIPTION = "1,797 handwritten digits, 8x8 pixels (scikit-learn's copy of the UCI set): which digit?"
DIGIT_NAMES = tuple(str(d) for d in range(10))
# Which digits, and how many labelled training images of each: a network pretrained on some digits can be
# fine-tuned on the others with few labels (the transfer-learning lesson).
DIGITS_SUBSET_PARAMS = (
    MultiChoiceParam(
        "classes",
        "choice",
        DIGIT_NAMES,
        "The digits to tell apart (at least two); they become classes 0, 1, ... in the order given, so "
        "a model trained on 0-4 has the right number of outputs for 5-9.",
        choices=DIGIT_NAMES,
        min_count=2,
    ),
    Param(
        "per_class",
        "int",
        None,
        "Labelled training images of each digit (empty: all, about 125). Few labels is where a "
        "network pretrained on other digits pays off. Validation and test images stay as they are.",
        min=1,
        max=200,
        optional=True,
    ),
)


@dataset(
    "digits",
    "images",
    "multiclass",
    DIGITS_DESCRIPTION,
    DIGITS_SUBSET_PARAMS + augmentation_params() + split_params(0.7, 0.1),
)
def _load_digits(classes, per_class, augment, augment_copies, train_fraction, val_fraction, seed):
    images, labels = _digits()
    chosen = [int(c) for c in classes]
    keep = np.flatnonzero(np.isin(labels.numpy(), chosen))
    images, labels = images[keep], _relabel(labels[keep], chosen)
    rng = np.random.default_rng(seed)
    idx = split_indices(len(labels), train_fraction, val_fraction, rng, labels.numpy())
    notes = []
    if per_class is not None:
        idx = idx._replace(train=_first_per_class(idx.train, labels.numpy(), per_class))
        notes.append(f"Training set: {per_class} labelled images of each digit ({len(idx.train)} in all).")
    return image_dataset(
        "digits",
        images,
        labels,
        idx,
        class_names=list(classes),
        description=DIGITS_DESCRIPTION,
        augment=augment,
        augment_copies=augment_copies,
        seed=seed,
        notes=notes,
    )


def _relabel(labels: torch.Tensor, chosen: list[int]) -> torch.Tensor:
    """Digit labels -> class indices in the order of `chosen` (5, 6, ... -> 0, 1, ...)."""
    lookup = torch.full((10,), -1, dtype=torch.int64)
    lookup[chosen] = torch.arange(len(chosen))
    return lookup[labels]


def _first_per_class(train: np.ndarray, labels: np.ndarray, per_class: int) -> np.ndarray:
    """The first `per_class` indices of each class in the (already shuffled) training indices."""
    kept = [train[labels[train] == c][:per_class] for c in np.unique(labels[train])]
    return np.sort(np.concatenate(kept))


# ---- generated shapes ---------------------------------------------------------------------------------
SHAPES = ("circle", "square", "triangle", "cross", "ring", "diamond")
CUE_SIZE = 3
MARGIN = 5  # shapes keep this many pixels from the border, so a cue mark never touches a shape


def _shape_masks(kind: str, dx: torch.Tensor, dy: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """Boolean (N, H, W) masks of `kind`; dx, dy: pixel offsets from each centre, r: (N, 1, 1) sizes."""
    if kind == "circle":
        return dx**2 + dy**2 <= r**2
    if kind == "square":
        return torch.maximum(dx.abs(), dy.abs()) <= 0.8 * r
    if kind == "triangle":  # apex up at -r, flat base at +0.8r
        return (dy <= 0.8 * r) & (dx.abs() <= (dy + r) / 1.8)
    if kind == "cross":
        return ((dx.abs() <= 0.3 * r) & (dy.abs() <= r)) | ((dy.abs() <= 0.3 * r) & (dx.abs() <= r))
    if kind == "ring":
        d2 = dx**2 + dy**2
        return (d2 <= r**2) & (d2 >= (0.55 * r) ** 2)
    if kind == "diamond":
        return dx.abs() + dy.abs() <= r
    raise AssertionError(kind)


def cue_boxes(size: int) -> list[tuple[int, int]]:
    """Top-left pixel (row, col) of the cue mark for class 0, 1, ... (at the places in CUE_PLACES)."""
    far, mid = size - 1 - CUE_SIZE, size // 2 - CUE_SIZE // 2
    return [(1, 1), (1, far), (far, 1), (far, far), (1, mid), (far, mid)]


def _draw_shapes(
    labels: np.ndarray, size: int, rgb: bool, noise: float, rng: np.random.Generator
) -> torch.Tensor:
    """Raw images (N, C, size, size) in [0, 1]: one shape each, random size, place, colours and noise."""
    n = len(labels)
    r = rng.uniform(0.18, 0.3, n) * size
    centre = rng.uniform(MARGIN + r[:, None], size - MARGIN - r[:, None], size=(n, 2))
    grid = torch.arange(size, dtype=torch.float32) + 0.5  # pixel centres
    dx = grid[None, None, :] - torch.as_tensor(centre[:, 0], dtype=torch.float32)[:, None, None]
    dy = grid[None, :, None] - torch.as_tensor(centre[:, 1], dtype=torch.float32)[:, None, None]
    r_t = torch.as_tensor(r, dtype=torch.float32)[:, None, None]
    mask = torch.zeros(n, size, size, dtype=torch.bool)
    for k, kind in enumerate(SHAPES):
        rows = torch.as_tensor(np.flatnonzero(labels == k))
        if len(rows):
            mask[rows] = _shape_masks(kind, dx[rows], dy[rows], r_t[rows])
    channels = 3 if rgb else 1
    background = rng.uniform(0.0, 0.25, size=(n, channels))
    foreground = rng.uniform(0.45, 1.0, size=(n, channels))
    if rgb:  # keep every shape clearly brighter than its background in at least one channel
        foreground[np.arange(n), rng.integers(0, 3, n)] = 1.0
    bg = torch.as_tensor(background, dtype=torch.float32)[:, :, None, None]
    fg = torch.as_tensor(foreground, dtype=torch.float32)[:, :, None, None]
    images = torch.where(mask[:, None], fg, bg)
    images = images + torch.as_tensor(rng.normal(0, noise, size=images.shape), dtype=torch.float32)
    return images.clamp(0, 1)


def _add_cue(images: torch.Tensor, positions: np.ndarray, size: int) -> None:
    """Paint a white CUE_SIZE square at cue position `positions[i]` of image i (in place)."""
    boxes = cue_boxes(size)
    for p in np.unique(positions):
        row, col = boxes[p]
        images[
            torch.as_tensor(np.flatnonzero(positions == p)), :, row : row + CUE_SIZE, col : col + CUE_SIZE
        ] = 1.0


def cue_mask(classes: int, size: int) -> torch.Tensor:
    """(size, size) bool: True on every pixel where a cue mark can be."""
    mask = torch.zeros(size, size, dtype=torch.bool)
    for row, col in cue_boxes(size)[:classes]:
        mask[row : row + CUE_SIZE, col : col + CUE_SIZE] = True
    return mask


SHAPES_DESCRIPTION = (
    "Generated pictures of simple shapes with random size, position, colour and noise: which shape is "
    "it? A circle, square, triangle or cross (more 'classes' add a ring and a diamond)."
)
CUE_PLACES = ("top left", "top right", "bottom left", "bottom right", "top middle", "bottom middle")


def cue_note(class_names: list[str]) -> str:
    places = ", ".join(f"{name} {place}" for name, place in zip(class_names, CUE_PLACES, strict=False))
    return (
        f"Spurious cue: in training and validation images a small white square gives the class away "
        f"({places}); in test images it sits in a random one of those places. `cue_region` marks the pixels."
    )


@dataset(
    "shapes",
    "images",
    "multiclass",
    SHAPES_DESCRIPTION,
    (
        Param("num_images", "int", 1500, "How many images to generate in total.", min=200, max=20000),
        Param(
            "classes",
            "int",
            4,
            "How many kinds of shape (circle, square, triangle, cross, ring, diamond).",
            min=2,
            max=6,
        ),
        Param("size", "choice", 28, "Image width and height in pixels.", choices=(28, 32)),
        Param(
            "color",
            "choice",
            "grey",
            "Grey (1 channel) or colour (3 channels) images.",
            choices=("grey", "rgb"),
        ),
        Param(
            "noise",
            "float",
            0.05,
            "Standard deviation of pixel noise (pixels are in [0, 1]).",
            min=0.0,
            max=0.5,
        ),
        Param(
            "spurious_cue",
            "bool",
            False,
            "Add a corner mark that gives the class away in training images only: a model can cheat, "
            "and a saliency map shows it.",
        ),
    )
    + augmentation_params()
    + split_params(0.7, 0.1),
)
def _load_shapes(num_images, classes, size, color, noise, spurious_cue, augment, augment_copies, **split):
    rng = np.random.default_rng(split["seed"])
    labels = np.arange(num_images) % classes
    images = _draw_shapes(labels, size, color == "rgb", noise, rng)
    idx = split_indices(num_images, split["train_fraction"], split["val_fraction"], rng, labels)
    notes, region = [], None
    if spurious_cue:
        positions = labels.copy()  # the mark's place is the class ...
        positions[idx.test] = rng.integers(0, classes, len(idx.test))  # ... except in the test split
        _add_cue(images, positions, size)
        notes, region = [cue_note(list(SHAPES[:classes]))], cue_mask(classes, size)
    return image_dataset(
        "shapes",
        images,
        torch.as_tensor(labels, dtype=torch.int64),
        idx,
        class_names=list(SHAPES[:classes]),
        description=SHAPES_DESCRIPTION,
        augment=augment,
        augment_copies=augment_copies,
        seed=split["seed"],
        cue_region=region,
        notes=notes,
    )
