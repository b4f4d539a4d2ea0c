"""Export a model as ONNX or TorchScript, and check the file by running it against PyTorch."""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from dlcore.errors import DeployError
from dlcore.ssm import DiagonalSSM, SelectiveSSM

REASON_CHARS = 300  # an exporter's reason is quoted up to this length: its first lines say what failed


@dataclass(frozen=True)
class Export:
    """An exported model file and its check: the largest difference from PyTorch on the example input."""

    format: str  # "onnx" | "torchscript"
    data: bytes
    method: str
    max_abs_diff: float


@contextlib.contextmanager
def quiet():
    """Silence an exporter's console chatter (prints, warnings, torch's log lines) while it runs."""
    torch_log = logging.getLogger("torch")
    level = torch_log.level
    torch_log.setLevel(logging.ERROR)
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            yield
    finally:
        torch_log.setLevel(level)


def first_output(output) -> torch.Tensor:
    """The model's main output: a tensor, or the first of a tuple (a VAE's reconstruction)."""
    while isinstance(output, (tuple, list)):
        output = output[0]
    return output


def _reference(model: nn.Module, example: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return first_output(model(example)).float().numpy()


def _blamed_layer(model: nn.Module, err: BaseException) -> str | None:
    """The model's innermost layer whose code was running when the exporter failed, e.g. "Layer 'mix'
    (Mixer)": found in the tracebacks of the error and its causes (each frame's `self`)."""
    names = {id(layer): name for name, layer in model.named_modules() if name}
    blamed = None
    while err is not None:
        frame = err.__traceback__
        while frame is not None:
            name = names.get(id(frame.tb_frame.f_locals.get("self")))
            blamed = name if name is not None else blamed
            frame = frame.tb_next
        err = err.__cause__
    if blamed is None:
        return None
    return f"Layer '{blamed}' ({type(model.get_submodule(blamed)).__name__})"


def _failure(model: nn.Module, what: str, err: Exception) -> DeployError:
    where = _blamed_layer(model, err)
    while err.__cause__ is not None:  # the innermost reason: the exporter wraps it in advice for developers
        err = err.__cause__
    reason = " ".join(str(err).split())[:REASON_CHARS] or type(err).__name__
    prefix = f"{where} cannot be exported as {what}" if where else f"The model cannot be exported as {what}"
    return DeployError(f"{prefix}: {reason}")


class _Wrapped(nn.Module):
    """The model one level down: the exporter flattens a model's own layers into a graph module, where a
    layer named like one of its attributes (an autoencoder's "code") breaks it; one level down it does not."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)


def _refuse_complex_numbers(model: nn.Module) -> None:
    """ONNX has no complex numbers. A state-space layer with a complex A is refused here, by name and with
    what to change, before the exporter fails on it with an error that names neither (no ONNX 'exp')."""
    for name, layer in model.named_modules():
        if isinstance(layer, (DiagonalSSM, SelectiveSSM)) and layer.frequency is not None:
            raise DeployError(
                f"Layer '{name}' ({type(layer).__name__}) cannot be exported as ONNX: it computes with "
                "complex numbers (its 'complex' option is on), which ONNX cannot hold. Switch 'complex' off "
                "on the Build page (its memories then fade without oscillating) and train it again, or "
                "export it as TorchScript.",
                field="complex",
            )


def export_onnx(model: nn.Module, example: torch.Tensor) -> Export:
    """The model as an ONNX file (PyTorch's dynamo exporter), run in ONNX Runtime on `example`."""
    import onnxruntime

    _refuse_complex_numbers(model)
    model, example = copy.deepcopy(model).cpu().eval(), example.cpu()  # the caller's model stays as it was
    try:
        with quiet():
            program = torch.onnx.export(_Wrapped(model), (example,), dynamo=True, verbose=False)
            data = program.model_proto.SerializeToString()
            session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
            outputs = session.run(None, {session.get_inputs()[0].name: example.numpy()})
            diff = np.abs(outputs[0].astype(np.float32) - _reference(model, example)).max()
    except Exception as err:  # the exporter and the runtime raise many kinds; each becomes a message
        raise _failure(model, "ONNX", err) from err
    return Export("onnx", data, "torch.onnx.export (dynamo)", float(diff))


def _script_or_trace(model: nn.Module, example: torch.Tensor) -> tuple[torch.jit.ScriptModule, str]:
    try:
        return torch.jit.script(model), "torch.jit.script"
    except Exception:  # script needs Python it can compile; trace records one run instead
        return torch.jit.trace(model, (example,), check_trace=False), "torch.jit.trace"


def export_torchscript(model: nn.Module, example: torch.Tensor) -> Export:
    """The model as TorchScript (script, else trace), loaded back with torch.jit.load and run on `example`."""
    model, example = copy.deepcopy(model).cpu().eval(), example.cpu()
    try:
        with quiet():
            scripted, method = _script_or_trace(model, example)
            buffer = io.BytesIO()
            torch.jit.save(scripted, buffer)
            data = buffer.getvalue()
            loaded = torch.jit.load(io.BytesIO(data))
            with torch.no_grad():
                output = first_output(loaded(example)).float().numpy()
            diff = np.abs(output - _reference(model, example)).max()
    except Exception as err:
        raise _failure(model, "TorchScript", err) from err
    return Export("torchscript", data, method, float(diff))
