"""A classifier's answer: the class its scores pick. A leaf module (torch only), so the attacks, the
adversarial-training recipe and inspection can all use it without importing one another."""

from __future__ import annotations

import torch


def classes_from_logits(out: torch.Tensor) -> torch.Tensor:
    """Predicted class per row of (B, K) scores; a single logit (B, 1) means class 1 when positive."""
    if out.shape[-1] == 1:
        return (out[:, 0] > 0).long()
    return out.argmax(dim=-1)
