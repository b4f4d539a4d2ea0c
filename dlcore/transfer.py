"""Transfer learning: start a new model from a saved model's weights, layer by layer, where they fit.

    report = load_matching_weights(model, state_dict)   # the layers whose names and shapes match
    report.sentence                                     # "Loaded 3 layers ...; kept 1 fresh: ..."

A layer takes the saved weights only when the saved model has a layer of the same name with every
tensor of the same shape; any other layer keeps the weights it was built with (fresh). So a network
pretrained on one dataset gives its feature layers to a network for another, whose new output layer
(a different number of classes) starts fresh. The weights come from safetensors (dlcore.checkpoint) or
from another model in memory: nothing is unpickled, no code runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import nn

from dlcore.errors import DataError


@dataclass(frozen=True)
class WeightTransfer:
    """What load_matching_weights did: `loaded` the layers that took the saved weights, `fresh` the
    (layer, why) that kept their own, `unused` the saved layers no layer took. Layers are module names
    as in the summary ("linear1", "residual1.conv2d2")."""

    loaded: tuple[str, ...]
    fresh: tuple[tuple[str, str], ...]
    unused: tuple[str, ...]

    @property
    def sentence(self) -> str:
        """The report for a student, e.g. "Loaded the saved weights of 2 layers (linear1, linear2); kept
        1 fresh: output (saved 5×32, this model needs 10×32)."."""
        if not self.loaded:
            return (
                "No layer of the saved model fits this one (no layer has the same name and shapes): "
                "every layer starts fresh."
            )
        plural = "s" if len(self.loaded) != 1 else ""
        text = f"Loaded the saved weights of {len(self.loaded)} layer{plural} ({', '.join(self.loaded)})"
        if not self.fresh:
            return text + "; no layer starts fresh."
        reasons = "; ".join(f"{layer} ({why})" for layer, why in self.fresh)
        return f"{text}; kept {len(self.fresh)} fresh: {reasons}."


def _layer_of(key: str) -> tuple[str, str]:
    """("linear1", "weight") from "linear1.weight"; a model's own tensors are the layer "model"."""
    layer, _, part = key.rpartition(".")
    return layer or "model", part


def _size(tensor: torch.Tensor) -> str:
    return "×".join(str(s) for s in tensor.shape) or "one number"


def load_matching_weights(model: nn.Module, state: Mapping[str, torch.Tensor]) -> WeightTransfer:
    """Copy into `model` the saved weights (`state`, a state dict) of every layer whose name and tensor
    shapes match; the other layers keep theirs. Returns what was loaded and what was not, and why.

    DataError when `state` is not a state dict (names to tensors)."""
    if not isinstance(state, Mapping) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()
    ):
        raise DataError("the saved weights are not a model's weights (names to tensors)", field="weights")
    layers: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in model.state_dict().items():
        layers.setdefault(_layer_of(key)[0], {})[key] = tensor
    taken: dict[str, torch.Tensor] = {}
    loaded, fresh = [], []
    for layer, tensors in layers.items():
        why = _mismatch(tensors, state)
        if why is None:
            loaded.append(layer)
            taken.update({key: state[key] for key in tensors})
        else:
            fresh.append((layer, why))
    with torch.no_grad():
        model.load_state_dict(taken, strict=False)
    unused = dict.fromkeys(_layer_of(key)[0] for key in state if key not in taken)
    return WeightTransfer(tuple(loaded), tuple(fresh), tuple(unused))


def _mismatch(tensors: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor]) -> str | None:
    """Why a layer with these tensors cannot take the saved ones (None: it can)."""
    for key, tensor in tensors.items():
        if key not in state:
            return "not in the saved model"
        if state[key].shape != tensor.shape:
            return f"saved {_layer_of(key)[1]} {_size(state[key])}, this model needs {_size(tensor)}"
    return None
