"""Checkpoints: the architecture as JSON plus the weights as safetensors. Never pickle.

A checkpoint is a folder (or a zip of the same files, for download buttons and uploads):
    spec.json          the ModelSpec (dlcore.ModelSpec.to_dict), for one model trained as usual
    recipe.json        instead, for a recipe's models (a GAN's generator and discriminator, ...): the
                       RecipeSpec (recipe, a model spec per role, options)
    model.safetensors  the weights (state_dict; a recipe's under their role, "generator.0.weight"); its
                       metadata holds the step and epoch reached
    metrics.csv        optional: the per-step log
    config.json        optional: the TrainConfig used
Loading reads only JSON and raw tensors, so a file from anywhere can never run code. A zip is read with
the compression this module writes (deflate, or none), and each member is unpacked in small pieces with a
cap on the bytes it actually yields: a zip can lie about its sizes, and a few kilobytes of bzip2 can
unpack to gigabytes.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from dlcore.errors import DataError, DlcoreError
from dlcore.plan import MAX_PARAMETERS
from dlcore.spec import ModelSpec
from dlcore.training.recipe import RecipeSpec

SPEC_FILE, RECIPE_FILE, WEIGHTS_FILE, METRICS_FILE, CONFIG_FILE = (
    "spec.json",
    "recipe.json",
    "model.safetensors",
    "metrics.csv",
    "config.json",
)
# The largest weights file a model that can be built here makes (4 bytes per float32 weight), with room for
# buffers such as BatchNorm's running statistics and the header; spec.json and config.json are small.
MAX_WEIGHTS_BYTES = 4 * MAX_PARAMETERS + (4 << 20)
MAX_JSON_BYTES = 1 << 20
MAX_ZIP_BYTES = MAX_WEIGHTS_BYTES + 2 * MAX_JSON_BYTES
MEMBER_CAPS = {
    SPEC_FILE: MAX_JSON_BYTES,
    RECIPE_FILE: MAX_JSON_BYTES,
    WEIGHTS_FILE: MAX_WEIGHTS_BYTES,
    CONFIG_FILE: MAX_JSON_BYTES,
}
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what checkpoint_bytes writes (and plain zips)
CHUNK_BYTES = 1 << 20
NOT_A_CHECKPOINT = (
    "this file is not a DL Playground checkpoint (expected a .zip with spec.json and model.safetensors)"
)


def _files(
    spec,
    model,
    metrics: pd.DataFrame | None = None,
    config=None,
    meta: dict[str, Any] | None = None,
) -> dict[str, bytes]:
    spec, model = _one_model_if_plain(spec, model)
    if isinstance(spec, RecipeSpec):
        model = nn.ModuleDict(model)  # the weights under their role: "generator.0.weight"
    state = {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}
    files = {
        RECIPE_FILE if isinstance(spec, RecipeSpec) else SPEC_FILE: json.dumps(
            spec.to_dict(), indent=2
        ).encode(),
        WEIGHTS_FILE: save_tensors(state, metadata={k: str(v) for k, v in (meta or {}).items()}),
    }
    if metrics is not None:
        files[METRICS_FILE] = metrics.to_csv(index=False).encode()
    if config is not None:
        files[CONFIG_FILE] = json.dumps(config.to_dict(), indent=2).encode()
    return files


def _one_model_if_plain(spec, model):
    """One model trained the usual way (supervised, no options) is saved as it always was: spec.json."""
    if isinstance(spec, RecipeSpec) and spec.recipe == "supervised" and list(spec.models) == ["model"]:
        if not spec.options:
            return spec.models["model"], model["model"] if isinstance(model, Mapping) else model
    return spec, model


def checkpoint_bytes(
    spec,
    model,
    metrics: pd.DataFrame | None = None,
    config=None,
    meta: dict[str, Any] | None = None,
) -> bytes:
    """A zip of spec.json + model.safetensors (+ metrics.csv, config.json), e.g. for a download button.

    `spec` and `model`: a ModelSpec and its model, or a RecipeSpec (`job.setup`) and its models by role
    (`job.snapshots()`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _files(spec, model, metrics, config, meta).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def save_checkpoint(
    path_or_file: str | Path | IO[bytes],
    spec,
    model,
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


def _too_large(name: str, cap: int) -> DataError:
    return DataError(
        f"{name} in this checkpoint is larger than {cap / 2**20:.0f} MB, more than any model that trains "
        "here needs: it cannot be loaded",
        field="checkpoint",
    )


def _read_files(source) -> dict[str, bytes]:
    """{file name: bytes} from a folder, a zip path, zip bytes or an open binary file."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        files = {}
        for path in Path(source).iterdir():
            if path.name in MEMBER_CAPS and path.is_file():
                if path.stat().st_size > MEMBER_CAPS[path.name]:
                    raise _too_large(path.name, MEMBER_CAPS[path.name])
                files[path.name] = path.read_bytes()
        return files
    if isinstance(source, (str, Path)):
        if not Path(source).exists():
            raise DataError(f"no checkpoint at {source}", field="checkpoint")
        if Path(source).stat().st_size > MAX_ZIP_BYTES:
            raise _too_large(Path(source).name, MAX_ZIP_BYTES)
        source = Path(source).read_bytes()
    elif hasattr(source, "read"):
        source = source.read(MAX_ZIP_BYTES + 1)
    if len(source) > MAX_ZIP_BYTES:
        raise _too_large("The file", MAX_ZIP_BYTES)
    try:
        with zipfile.ZipFile(io.BytesIO(source)) as archive:
            files = {}
            for info in archive.infolist():
                name = Path(info.filename).name
                if name in MEMBER_CAPS:
                    if name in files:
                        raise DataError(
                            f"this checkpoint holds {name} twice: it was not made here", field="checkpoint"
                        )
                    files[name] = _read_member(archive, info, name)
            return files
    except (zipfile.BadZipFile, EOFError, zlib.error):
        raise DataError(NOT_A_CHECKPOINT, field="checkpoint") from None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """One member's bytes, unpacked a piece at a time and refused as soon as they pass its cap."""
    if info.compress_type not in COMPRESSIONS:
        raise DataError(
            f"{name} in this checkpoint is packed with a compression DL Playground does not use (method "
            f"{info.compress_type}): download the model again from the Train page",
            field="checkpoint",
        )
    cap = MEMBER_CAPS[name]
    if info.file_size > cap:
        raise _too_large(name, cap)
    out = io.BytesIO()  # getvalue() hands over its buffer: no second copy of the weights
    with archive.open(info) as member:
        while chunk := member.read(CHUNK_BYTES):
            if out.tell() + len(chunk) > cap:  # the declared size lied
                raise _too_large(name, cap)
            out.write(chunk)
    return out.getvalue()


def _checked_meta(meta: Any) -> dict[str, Any]:
    """The weights' metadata with step and epoch as whole numbers; DataError when they are not."""
    if not isinstance(meta, dict):
        raise DataError("model.safetensors in this checkpoint has damaged metadata", field="checkpoint")
    meta = dict(meta)
    for key in ("step", "epoch"):
        if key not in meta:
            continue
        value = str(meta[key])
        if not value.isascii() or not value.isdigit() or len(value) > 12:
            raise DataError(
                f"the {key} saved in this checkpoint is {value[:40]!r}, not a whole number: the file was "
                "edited or damaged; download the model again from the Train page",
                field="checkpoint",
            )
        meta[key] = int(value)
    return meta


def load_weights(model: nn.Module, state: dict[str, torch.Tensor]) -> nn.Module:
    """Copy a checkpoint's `state` into `model`; DataError naming the first layer whose weights do not fit."""
    needed = model.state_dict()
    for key, tensor in needed.items():
        layer, _, part = key.rpartition(".")
        if key not in state:
            problem = f"has no {part} for layer '{layer}'"
        elif tuple(state[key].shape) != tuple(tensor.shape):
            problem = (
                f"gives layer '{layer}' a {part} of shape {tuple(state[key].shape)}, but the architecture "
                f"needs {tuple(tensor.shape)}"
            )
        else:
            continue
        raise DataError(
            f"the weights in this checkpoint do not match its architecture: it {problem} (was spec.json "
            "edited?). Load the model's own file, or train this architecture afresh",
            field="checkpoint",
        )
    extra = sorted(set(state) - set(needed))
    if extra:
        raise DataError(
            f"the weights in this checkpoint do not match its architecture: it has weights for "
            f"'{extra[0]}', which the architecture does not have (was spec.json edited?)",
            field="checkpoint",
        )
    model.load_state_dict(state)
    return model


def load_checkpoint_state(source) -> tuple[Any, dict[str, torch.Tensor], dict[str, str]]:
    """(spec, state_dict, metadata) from a checkpoint, without building the model. The spec is a
    ModelSpec, or the RecipeSpec of a recipe's models (whose weights are keyed by role).

    The metadata's "step" and "epoch" (where training had got to), when present, are whole numbers."""
    files = _read_files(source)
    described = RECIPE_FILE if RECIPE_FILE in files else SPEC_FILE
    missing = [n for n in (described, WEIGHTS_FILE) if n not in files]
    if missing:
        raise DataError(f"this checkpoint lacks {' and '.join(missing)}", field="checkpoint")
    try:
        if described == RECIPE_FILE:
            spec = RecipeSpec.from_dict(_json_object(files[RECIPE_FILE]))
        else:
            spec = ModelSpec.from_json(files[SPEC_FILE])
    except DlcoreError as err:
        raise DataError(f"{described} in this checkpoint: {err.message}", field="checkpoint") from err
    try:
        state = load_tensors(files[WEIGHTS_FILE])
        with io.BytesIO(files[WEIGHTS_FILE]) as raw:
            header_len = int.from_bytes(raw.read(8), "little")
            meta = json.loads(raw.read(header_len)).get("__metadata__", {}) or {}
    except (SafetensorError, ValueError, AttributeError) as err:
        raise DataError(
            f"model.safetensors in this checkpoint is damaged: {err}", field="checkpoint"
        ) from err
    return spec, state, _checked_meta(meta)


def _json_object(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise DataError("recipe.json in this checkpoint is not valid JSON", field="checkpoint") from None


def load_checkpoint(source) -> tuple[Any, nn.Module]:
    """(spec, model in eval mode) from a folder, a .zip path, zip bytes or an open binary file; for a
    recipe's models (RecipeSpec, nn.ModuleDict of the models by role)."""
    from dlcore.build import build_model

    spec, state, _ = load_checkpoint_state(source)
    if isinstance(spec, RecipeSpec):
        models = nn.ModuleDict({role: build_model(s) for role, s in spec.models.items()})
        return spec, load_weights(models, state).eval()
    return spec, load_weights(build_model(spec), state).eval()


def load_config(source):
    """The TrainConfig saved with a checkpoint, or None."""
    from dlcore.training import TrainConfig

    files = _read_files(source)
    if CONFIG_FILE not in files:
        return None
    return TrainConfig.from_dict(json.loads(files[CONFIG_FILE]))
