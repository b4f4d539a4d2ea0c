"""How far apart two clouds of points are: sample quality for generative recipes (GAN, diffusion)."""

from __future__ import annotations

import torch


def energy_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Energy distance 2·E|a−b| − E|a−a'| − E|b−b'| between the empirical distributions of a (N, D) and
    b (M, D): 0 when they are the same points, growing as they part (it sees shape and spread, not only
    the means). Computed exactly on every pair, so keep N·M to a few million."""
    a, b = a.flatten(1).double(), b.flatten(1).double()
    across = torch.cdist(a, b).mean()
    within_a = torch.cdist(a, a).mean()
    within_b = torch.cdist(b, b).mean()
    return float(2 * across - within_a - within_b)
