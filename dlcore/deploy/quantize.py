"""Quantisation with PyTorch's own tools: dynamic int8 (Linear/LSTM/GRU weights stored as int8),
static int8 for CNNs (FX graph mode: observers calibrated on real inputs, then int8 kernels), float16.

Static int8 uses torch.ao's FX graph mode (prepare_fx / convert_fx) with the x86 backend: in torch 2.13 it
runs on any CPU without extra packages; PT2E quantisation has moved to the separate torchao package.
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.ao.nn.quantized import dynamic as int8_dynamic

from dlcore import layers
from dlcore.deploy.export import quiet
from dlcore.errors import DeployError

QUANTIZATIONS = ("dynamic_int8", "static_int8", "float16")
DYNAMIC_LAYERS = (nn.Linear, nn.LSTM, nn.GRU)
TRANSFORMER_LAYERS = (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)
CONV_LAYERS = (nn.Conv1d, nn.Conv2d)
CALIBRATION_BATCH = 256


def _has(model: nn.Module, kinds: tuple[type, ...]) -> bool:
    return any(isinstance(layer, kinds) for layer in model.modules())


class _Int8Recurrent:
    """dlcore's LSTM/GRU (one tensor out, see layers._SequenceOutput) over PyTorch's int8 LSTM/GRU."""

    @classmethod
    def from_float(cls, layer, use_precomputed_fake_quant=False):
        plain = (nn.LSTM if isinstance(layer, nn.LSTM) else nn.GRU)(
            layer.input_size,
            layer.hidden_size,
            layer.num_layers,
            layer.bias,
            batch_first=layer.batch_first,
            dropout=layer.dropout,
            bidirectional=layer.bidirectional,
        )
        plain.load_state_dict(layer.state_dict())
        plain.qconfig = layer.qconfig
        quantised = super().from_float(plain)  # PyTorch's converter takes only its own plain LSTM/GRU
        quantised.__class__ = cls  # ... and the copy keeps dlcore's choice of output
        quantised.return_sequence = layer.return_sequence
        return quantised


class Int8LSTM(_Int8Recurrent, layers._SequenceOutput, int8_dynamic.LSTM):
    """dlcore's LSTM with int8 weights."""


class Int8GRU(_Int8Recurrent, layers._SequenceOutput, int8_dynamic.GRU):
    """dlcore's GRU with int8 weights."""


def _dynamic_layers(model: nn.Module) -> set[str]:
    """Names of the Linear/LSTM/GRU layers dynamic int8 can take: not those inside PyTorch's transformer
    layers, whose fast path reads their Linear layers' float weights (int8 ones make it fail)."""
    transformers = [
        name + "." for name, layer in model.named_modules() if isinstance(layer, TRANSFORMER_LAYERS)
    ]
    return {
        name
        for name, layer in model.named_modules()
        if isinstance(layer, DYNAMIC_LAYERS) and not name.startswith(tuple(transformers))
    }


def _dynamic_int8(model: nn.Module) -> nn.Module:
    from torch.ao.quantization import default_dynamic_qconfig

    names = _dynamic_layers(model)
    if not names:
        raise DeployError("dynamic int8 quantises Linear, LSTM and GRU layers, and this model has none")
    from torch.ao.quantization.quantization_mappings import get_default_dynamic_quant_module_mappings

    mapping = {**get_default_dynamic_quant_module_mappings(), layers.LSTM: Int8LSTM, layers.GRU: Int8GRU}
    with quiet():
        qconfig = dict.fromkeys(names, default_dynamic_qconfig)
        return torch.ao.quantization.quantize_dynamic(model, qconfig, dtype=torch.qint8, mapping=mapping)


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
