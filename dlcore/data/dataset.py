"""The Dataset every family returns, its normalisation, and the shared split helper.

A Dataset is plain tensors plus the facts the rest of the app needs (task, shapes, class names): the
training engine batches `train`, the pages read the facts, and `normalize` maps new raw inputs (a drawn
digit, an uploaded image) into the space the model was trained in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import torch

from dlcore.errors import DataError
from dlcore.tasks import TASKS

FAMILIES = ("toy2d", "tabular", "images", "sequences", "tokens", "generative")


class Split(NamedTuple):
    """Something kept per split: `.train`, `.val`, `.test` (also unpacks as a 3-tuple)."""

    train: Any
    val: Any
    test: Any


@dataclass(frozen=True)
class Normalization:
    """Standardisation measured on the training split: `(raw - mean) / std`.

    `mean` and `std` broadcast against one raw input without its batch dimension: (F,) for feature
    vectors, (C, 1, 1) for images; the identity (0, 1) where inputs are used as they are.
    """

    mean: torch.Tensor
    std: torch.Tensor

    @classmethod
    def identity(cls) -> Normalization:
        return cls(torch.tensor(0.0), torch.tensor(1.0))

    @classmethod
    def fit(cls, train_inputs: torch.Tensor, dims: tuple[int, ...]) -> Normalization:
        """Mean/std over `dims` of the training inputs; a constant feature keeps std 1 (no division by 0)."""
        x = train_inputs.numpy().astype(np.float64)  # numpy: exact, and quick on a busy machine
        mean, std = x.mean(axis=dims, keepdims=True)[0], x.std(axis=dims, keepdims=True)[0]
        std[std < 1e-8] = 1.0
        return cls(torch.from_numpy(mean).float(), torch.from_numpy(std).float())

    @property
    def is_identity(self) -> bool:
        return bool((self.mean == 0).all() and (self.std == 1).all())

    def apply(self, raw: torch.Tensor) -> torch.Tensor:
        return ((torch.as_tensor(raw, dtype=torch.float32) - self.mean) / self.std).float()

    def invert(self, normalized: torch.Tensor) -> torch.Tensor:
        return (torch.as_tensor(normalized, dtype=torch.float32) * self.std + self.mean).float()

    def to_dict(self) -> dict[str, list]:
        return {"mean": self.mean.flatten().tolist(), "std": self.std.flatten().tolist()}


@dataclass(eq=False)
class Dataset:
    """A dataset ready for training: `train`, `val`, `test` are `(inputs, targets)` tensor pairs.

    Inputs are float32 (int64 token indices for token tasks), already normalised. Targets: int64 class
    indices (N,) for "binary"/"multiclass"; float32 (N, k) for "regression"; int64 (N, L) for
    "sequence-to-sequence"; an empty float32 (N, 0) tensor for "generation".
    """

    name: str
    task: str
    family: str
    input_shape: tuple[int, ...]
    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]
    description: str = ""
    num_classes: int | None = None
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    vocab_size: int | None = None
    target_shape: tuple[int, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    normalization: Normalization = field(default_factory=Normalization.identity)
    # Regression targets that were standardised (CSV): predictions * std + mean gives the original units.
    target_normalization: Normalization | None = None
    image_shape: tuple[int, int, int] | None = None  # (C, H, W) for image sets
    raw_2d: Split | None = None  # 2-D toy sets: untransformed (N, 2) points in [-6, 6]² per split
    cue_region: torch.Tensor | None = None  # shapes with spurious_cue: (H, W) bool, True where marks go
    indices: Split | None = None  # row numbers in the source each split was drawn from (never overlap)
    notes: list[str] = field(default_factory=list)  # what was done to the data that a student should know

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(TASKS.unknown_message(self.task))
        if self.family not in FAMILIES:
            raise ValueError(f"unknown family {self.family!r}")

    def normalize(self, raw: torch.Tensor | np.ndarray) -> torch.Tensor:
        """Map new raw inputs (one input shaped `input_shape`, or a batch) the way the training data was.

        Raw means: images with pixel values in [0, 1] (ink/brightness 1) already resized to
        `input_shape`; feature vectors in the original units. Token indices are returned unchanged.
        """
        if self.vocab_size is not None:
            return torch.as_tensor(raw, dtype=torch.int64)
        return self.normalization.apply(raw)

    def denormalize(self, inputs: torch.Tensor) -> torch.Tensor:
        """Back to raw units (images in [0, 1]) to show them."""
        if self.vocab_size is not None:
            return inputs
        return self.normalization.invert(inputs)

    @property
    def splits(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        return {"train": self.train, "val": self.val, "test": self.test}

    @property
    def sizes(self) -> dict[str, int]:
        return {name: len(pair[0]) for name, pair in self.splits.items()}

    def __repr__(self) -> str:
        sizes = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        return f"Dataset({self.name!r}, task={self.task!r}, input_shape={self.input_shape}, {sizes})"


HIDDEN_FRACTION = 0.2  # the share of a dataset's examples a classroom challenge keeps hidden
HOLDOUT = "holdout"  # the data option that carries a challenge's key: load(name, holdout=key, ...)


@dataclass
class Holdout:
    """A challenge's hidden examples: `key` chooses them; `reveal` puts them in the test split (the server
    scoring hand-ins), else they are left out of every split (what a student trains on). `carved` counts
    the splits that left them out, so a dataset that never splits through split_indices is noticed."""

    key: str
    reveal: bool = False
    carved: int = 0


_HOLDOUT: ContextVar[Holdout | None] = ContextVar("dlcore_holdout", default=None)


@contextmanager
def holding_out(key: str, reveal: bool = False) -> Iterator[Holdout]:
    """Within the block, split_indices carves out the examples `key` hides before it splits."""
    holdout = Holdout(key, reveal)
    token = _HOLDOUT.set(holdout)
    try:
        yield holdout
    finally:
        _HOLDOUT.reset(token)


def hidden_rows(n: int, key: str, labels: np.ndarray | None = None) -> np.ndarray:
    """The rows of 0..n-1 that `key` hides: HIDDEN_FRACTION of each class (of all rows without labels),
    drawn from the key alone so every server carves out the same ones."""
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    picked = [rng.permutation(g)[: int(round(HIDDEN_FRACTION * len(g)))] for g in groups]
    return np.sort(np.concatenate(picked)).astype(np.int64)


def split_indices(
    n: int,
    train_fraction: float,
    val_fraction: float,
    rng: np.random.Generator,
    labels: np.ndarray | None = None,
) -> Split:
    """Shuffle 0..n-1 into disjoint train/val/test index arrays.

    With `labels`, each class is split in the same proportions (stratified), so a small set such as iris
    has every class in every split. Inside `holding_out(key)` a challenge's hidden rows are left out
    first (with `reveal`, they are the test split instead of the student's test rows).
    """
    check_fractions(train_fraction, val_fraction)
    rows, holdout = np.arange(n), _HOLDOUT.get()
    if holdout is not None:
        hidden = hidden_rows(n, holdout.key, labels)
        rows = np.setdiff1d(rows, hidden)
        holdout.carved += 1
    groups = [rows] if labels is None else [rows[labels[rows] == c] for c in np.unique(labels[rows])]
    parts: list[list[np.ndarray]] = [[], [], []]
    for group in groups:
        group = rng.permutation(group)
        n_train = int(round(train_fraction * len(group)))
        n_val = int(round(val_fraction * len(group)))
        n_train = max(1, min(n_train, len(group) - 1)) if len(group) > 1 else len(group)
        n_val = min(n_val, len(group) - n_train - 1) if len(group) - n_train > 1 else 0
        parts[0].append(group[:n_train])
        parts[1].append(group[n_train : n_train + n_val])
        parts[2].append(group[n_train + n_val :])
    split = Split(*(rng.permutation(np.concatenate(p)).astype(np.int64) for p in parts))
    return split._replace(test=hidden) if holdout is not None and holdout.reveal else split


def check_fractions(train_fraction: float, val_fraction: float) -> None:
    if train_fraction + val_fraction > 0.95 + 1e-9:  # tolerance: 0.9 + 0.05 is 0.9500000000000001
        raise DataError(
            f"train_fraction ({train_fraction:g}) + val_fraction ({val_fraction:g}) leaves no test data: "
            "lower val_fraction or train_fraction so they add up to at most 0.95",
            field="val_fraction",
        )


def take(inputs: torch.Tensor, targets: torch.Tensor, idx: Split) -> Split:
    """The (inputs, targets) pair of each split, chosen by index."""
    return Split(*((inputs[torch.as_tensor(i)], targets[torch.as_tensor(i)]) for i in idx))


def split_dataset(
    name: str,
    task: str,
    family: str,
    inputs: torch.Tensor,
    targets: torch.Tensor,
    idx: Split,
    *,
    class_names: list[str] | tuple[str, ...] = (),
    **facts: Any,
) -> Dataset:
    """A Dataset from (inputs, targets) split by `idx`; shapes and num_classes follow from the tensors."""
    train, val, test = take(inputs, targets, idx)
    return Dataset(
        name=name,
        task=task,
        family=family,
        input_shape=tuple(inputs.shape[1:]),
        target_shape=tuple(targets.shape[1:]),
        train=train,
        val=val,
        test=test,
        num_classes=len(class_names) or None,
        class_names=list(class_names),
        indices=idx,
        **facts,
    )
