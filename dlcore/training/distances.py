"""How far apart two clouds of examples are: sample quality for generative recipes on any point data."""

from __future__ import annotations

import torch


@torch.no_grad()
def energy_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Energy distance between samples a (N, ...) and b (M, ...): 2·E|a−b| − E|a−a'| − E|b−b'|.

    0 when both come from the same distribution (up to sampling noise), larger the more they differ; unlike
    a mean or a spread it also sees a model that puts all its samples on one of the data's modes.
    """
    a, b = a.flatten(1).double(), b.flatten(1).double()
    between = torch.cdist(a, b).mean()
    within_a = torch.cdist(a, a).mean()
    within_b = torch.cdist(b, b).mean()
    return float(2 * between - within_a - within_b)
