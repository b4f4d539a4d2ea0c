"""What of a dataset a 2-D picture shows: the raw points, or the inputs projected onto the plane."""

from __future__ import annotations

import torch

from dlcore.data.dataset import Dataset


def points_2d(ds: Dataset, split: str) -> tuple[torch.Tensor, str, str]:
    """Points to draw for one split and the axis titles: raw coordinates, or a 2-D view of the inputs."""
    if ds.raw_2d is not None:
        return getattr(ds.raw_2d, split), "x1", "x2"
    x = getattr(ds, split)[0]
    if ds.family == "generative":
        return ds.denormalize(x), "x1", "x2"
    return _project(ds, x), "principal component 1", "principal component 2"


def _project(ds: Dataset, x: torch.Tensor) -> torch.Tensor:
    """Tabular rows (N, F) -> (N, 2) on the training split's two main directions of variation (PCA)."""
    train = ds.train[0]
    if train.shape[1] <= 2:
        return torch.nn.functional.pad(x, (0, 2 - x.shape[1]))
    _, _, v = torch.linalg.svd(train - train.mean(0), full_matrices=False)
    return (x - train.mean(0)) @ v[:2].T
