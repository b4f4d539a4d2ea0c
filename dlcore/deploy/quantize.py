"""Quantisation with PyTorch's own tools: dynamic int8 (Linear/LSTM/GRU weights stored as int8),
static int8 for CNNs (FX graph mode: observers calibrated on real inputs, then int8 kernels), float16.

Static int8 uses torch.ao's FX graph mode (prepare_fx / convert_fx) with the x86 backend: in torch 2.13 it
runs on any CPU without extra packages; PT2E quantisation has moved to the separate torchao package.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from dlcore.deploy.export import quiet
from dlcore.errors import DeployError

QUANTIZATIONS = ("dynamic_int8", "static_int8", "float16")
DYNAMIC_LAYERS = (nn.Linear, nn.LSTM, nn.GRU)
CONV_LAYERS = (nn.Conv1d, nn.Conv2d)
CALIBRATION_BATCH = 256


def _has(model: nn.Module, kinds: tuple[type, ...]) -> bool:
    return any(isinstance(layer, kinds) for layer in model.modules())


def _dynamic_int8(model: nn.Module) -> nn.Module:
    if not _has(model, DYNAMIC_LAYERS):
        raise DeployError("dynamic int8 quantises Linear, LSTM and GRU layers, and this model has none")
    with quiet():
        return torch.ao.quantization.quantize_dynamic(model, set(DYNAMIC_LAYERS), dtype=torch.qint8)


def _static_int8(model: nn.Module, calibration: torch.Tensor | None) -> nn.Module:
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    if not _has(model, CONV_LAYERS):
        raise DeployError("static int8 is for CNNs and this model has no Conv layer: try dynamic int8")
    if calibration is None or not calibration.is_floating_point() or len(calibration) == 0:
        raise DeployError("static int8 needs calibration inputs: a batch of real float inputs")
    try:
        with quiet(), torch.no_grad():
            prepared = prepare_fx(model, get_default_qconfig_mapping("x86"), (calibration[:1],))
            for start in range(0, len(calibration), CALIBRATION_BATCH):
                prepared(calibration[start : start + CALIBRATION_BATCH])
            return convert_fx(prepared)
    except Exception as err:  # FX tracing fails on Python control flow it cannot follow; say so
        raise DeployError(f"static int8 cannot trace this model: {' '.join(str(err).split())[:200]}") from err


def quantize(model: nn.Module, method: str, calibration: torch.Tensor | None = None) -> nn.Module:
    """A quantised copy of `model` (in eval mode); `model` is left as it was.

    "float16" gives a copy that takes float16 inputs. "static_int8" needs `calibration`, a batch of real
    inputs whose ranges fix the int8 scales.
    """
    if method not in QUANTIZATIONS:
        raise DeployError(f"unknown quantisation '{method}': choose one of {', '.join(QUANTIZATIONS)}")
    clone = copy.deepcopy(model).cpu().eval()
    if method == "float16":
        return clone.half()
    if method == "dynamic_int8":
        return _dynamic_int8(clone)
    return _static_int8(clone, calibration)
