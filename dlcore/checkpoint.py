"""Checkpoints: the architecture as JSON plus the weights as safetensors. Never pickle.

A checkpoint is a folder (or a zip of the same files, for download buttons and uploads):
    spec.json          the ModelSpec (dlcore.ModelSpec.to_dict)
    model.safetensors  the weights (state_dict); its metadata holds the step and epoch reached
    metrics.csv        optional: the per-step log
    config.json        optional: the TrainConfig used
Loading reads only JSON and raw tensors, so a file from anywhere can never run code.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from dlcore.errors import DataError, DlcoreError

SPEC_FILE, WEIGHTS_FILE, METRICS_FILE, CONFIG_FILE = (
    "spec.json",
    "model.safetensors",
    "metrics.csv",
    "config.json",
)
MAX_MEMBER_BYTES = 1 << 30  # refuse zip members that unpack beyond 1 GiB


def _files(
    spec,
    model: nn.Module,
    metrics: pd.DataFrame | None = None,
    config=None,
    meta: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}
    files = {
        SPEC_FILE: json.dumps(spec.to_dict(), indent=2).encode(),
        WEIGHTS_FILE: save_tensors(state, metadata={k: str(v) for k, v in (meta or {}).items()}),
    }
    if metrics is not None:
        files[METRICS_FILE] = metrics.to_csv(index=False).encode()
    if config is not None:
        files[CONFIG_FILE] = json.dumps(config.to_dict(), indent=2).encode()
    return files


def checkpoint_bytes(
    spec,
    model: nn.Module,
    metrics: pd.DataFrame | None = None,
    config=None,
    meta: dict[str, Any] | None = None,
) -> bytes:
    """A zip of spec.json + model.safetensors (+ metrics.csv, config.json), e.g. for a download button."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _files(spec, model, metrics, config, meta).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def save_checkpoint(
    path_or_file: str | Path | IO[bytes],
    spec,
    model: nn.Module,
    metrics=None,
    config=None,
    meta: dict[str, Any] | None = None,
) -> None:
    """Write a checkpoint: a folder (a path without ".zip"), a .zip file, or a zip into an open file."""
    if hasattr(path_or_file, "write"):
        path_or_file.write(checkpoint_bytes(spec, model, metrics, config, meta))
        return
    path = Path(path_or_file)
    if path.suffix == ".zip":
        path.write_bytes(checkpoint_bytes(spec, model, metrics, config, meta))
        return
    path.mkdir(parents=True, exist_ok=True)
    for name, content in _files(spec, model, metrics, config, meta).items():
        (path / name).write_bytes(content)


def _read_files(source) -> dict[str, bytes]:
    """{file name: bytes} from a folder, a zip path, zip bytes or an open binary file."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        folder = Path(source)
        return {
            p.name: p.read_bytes()
            for p in folder.iterdir()
            if p.is_file() and p.suffix in (".json", ".safetensors")
        }
    if isinstance(source, (str, Path)):
        if not Path(source).exists():
            raise DataError(f"no checkpoint at {source}", field="checkpoint")
        source = Path(source).read_bytes()
    elif hasattr(source, "read"):
        source = source.read()
    try:
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            files = {}
            for info in archive.infolist():
                name = Path(info.filename).name
                if name in (SPEC_FILE, WEIGHTS_FILE, CONFIG_FILE):
                    if info.file_size > MAX_MEMBER_BYTES:
                        raise DataError(f"{name} in this checkpoint is too large to load", field="checkpoint")
                    files[name] = archive.read(info)
            return files
    except zipfile.BadZipFile:
        raise DataError(
            "this file is not a DL Playground checkpoint (expected a .zip with spec.json and "
            "model.safetensors)",
            field="checkpoint",
        ) from None


def load_checkpoint_state(source) -> tuple[Any, dict[str, torch.Tensor], dict[str, str]]:
    """(spec, state_dict, metadata) from a checkpoint, without building the model."""
    from dlcore.spec import ModelSpec

    files = _read_files(source)
    missing = [n for n in (SPEC_FILE, WEIGHTS_FILE) if n not in files]
    if missing:
        raise DataError(f"this checkpoint lacks {' and '.join(missing)}", field="checkpoint")
    try:
        spec = ModelSpec.from_json(files[SPEC_FILE])
    except DlcoreError as err:
        raise DataError(f"spec.json in this checkpoint: {err.message}", field="checkpoint") from err
    try:
        state = load_tensors(files[WEIGHTS_FILE])
        with io.BytesIO(files[WEIGHTS_FILE]) as raw:
            header_len = int.from_bytes(raw.read(8), "little")
            meta = json.loads(raw.read(header_len)).get("__metadata__", {}) or {}
    except (SafetensorError, ValueError) as err:
        raise DataError(
            f"model.safetensors in this checkpoint is damaged: {err}", field="checkpoint"
        ) from err
    return spec, state, meta


def load_checkpoint(source) -> tuple[Any, nn.Module]:
    """(spec, model in eval mode) from a folder, a .zip path, zip bytes or an open binary file."""
    from dlcore.build import build_model

    spec, state, _ = load_checkpoint_state(source)
    model = build_model(spec)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise DataError(
            "the weights in this checkpoint do not match its architecture (was spec.json edited?)",
            field="checkpoint",
        ) from err
    return spec, model.eval()


def load_config(source):
    """The TrainConfig saved with a checkpoint, or None."""
    from dlcore.train import TrainConfig

    files = _read_files(source)
    if CONFIG_FILE not in files:
        return None
    return TrainConfig.from_dict(json.loads(files[CONFIG_FILE]))
