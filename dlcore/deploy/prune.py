"""Magnitude pruning with torch.nn.utils.prune: the smallest weights set to zero, globally or per layer,
optionally followed by a short fine-tune that keeps the pruned weights at zero."""

from __future__ import annotations

import copy
import io
import zlib

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune as torch_prune

from dlcore.errors import DeployError

SCOPES = ("global", "layer")
FINE_TUNE_BATCH = 64
FINE_TUNE_LR = 1e-3


def _prunable(model: nn.Module) -> list[tuple[nn.Module, str]]:
    """Every layer's weight matrix or kernel (Linear, Conv, Embedding); biases and norms stay whole."""
    return [
        (layer, "weight")
        for layer in model.modules()
        if isinstance(getattr(layer, "weight", None), nn.Parameter) and layer.weight.dim() >= 2
    ]


def _check(sparsity: float, scope: str) -> None:
    if scope not in SCOPES:
        raise DeployError(f"unknown pruning scope '{scope}': choose 'global' or 'layer'", field="scope")
    if not 0.0 <= sparsity < 1.0:
        raise DeployError(f"sparsity must be at least 0 and below 1, not {sparsity}", field="sparsity")


def masked_copy(model: nn.Module, sparsity: float, scope: str = "global") -> nn.Module:
    """A copy with pruning masks attached (weight = weight_orig * mask), so training keeps zeros at zero."""
    _check(sparsity, scope)
    clone = copy.deepcopy(model).cpu()
    weights = _prunable(clone)
    if not weights:
        raise DeployError("this model has nothing to prune: no Linear, Conv or Embedding weights")
    if scope == "global":  # the smallest weights of the whole model, whichever layer holds them
        torch_prune.global_unstructured(weights, pruning_method=torch_prune.L1Unstructured, amount=sparsity)
    else:
        for layer, name in weights:
            torch_prune.l1_unstructured(layer, name, amount=sparsity)
    return clone


def make_permanent(model: nn.Module) -> nn.Module:
    """Fold the masks into the weights: a plain model whose pruned weights are zeros."""
    for layer in model.modules():
        if hasattr(layer, "weight_mask"):
            torch_prune.remove(layer, "weight")
    return model.eval()


def prune(model: nn.Module, sparsity: float, scope: str = "global") -> nn.Module:
    """A pruned copy of `model`: the share `sparsity` of its weights with the smallest magnitude set to
    zero, over the whole model ("global") or in each layer ("layer"). `model` is left as it was."""
    return make_permanent(masked_copy(model, sparsity, scope))


def fine_tune(model: nn.Module, train: tuple[torch.Tensor, torch.Tensor], steps: int, seed: int = 0) -> None:
    """A few Adam steps of classification on `train` (inputs, labels); masks keep pruned weights zero and
    frozen layers keep theirs."""
    x, y = train
    generator = torch.Generator().manual_seed(seed)
    weights = [p for p in model.parameters() if p.requires_grad]
    if not weights:  # every layer frozen ('trainable' off): there is nothing to fine-tune
        return
    optimizer = torch.optim.Adam(weights, lr=FINE_TUNE_LR)
    model.train()
    for _ in range(steps):
        batch = torch.randint(0, len(x), (FINE_TUNE_BATCH,), generator=generator)
        logits = model(x[batch])
        if logits.shape[-1] == 1:  # one logit: binary
            loss = F.binary_cross_entropy_with_logits(logits.reshape(-1), y[batch].float())
        else:
            loss = F.cross_entropy(logits, y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


def compressed_bytes(model: nn.Module) -> int:
    """Bytes of the model's numbers compressed with zlib: what a sparse model costs to store or send."""
    buffer = io.BytesIO()
    for tensor in model.state_dict().values():
        buffer.write(tensor.detach().cpu().contiguous().numpy().tobytes())
    return len(zlib.compress(buffer.getvalue()))
