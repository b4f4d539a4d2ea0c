"""Read every crafted file the way the app does, in a fresh process; print one JSON line of results.

Run by tests/security/test_crafted_specs.py as a subprocess, so the peak memory it reports belongs to
these reads alone: the baseline is taken after the imports and after the files are made.
"""

from __future__ import annotations

import io
import json
import resource
import sys
import zipfile

import dlcore
from dlcore.checkpoint import checkpoint_bytes
from tests.security.crafted_specs import CRAFTED

GOOD = dlcore.ModelSpec.from_dict({"input_shape": [4], "layers": [{"type": "Linear", "out_features": 2}]})


def as_checkpoint(spec_json: bytes) -> bytes:
    """A checkpoint zip whose spec.json is `spec_json` (the weights are a real model's)."""
    with zipfile.ZipFile(io.BytesIO(checkpoint_bytes(GOOD, dlcore.build_model(GOOD)))) as archive:
        weights = archive.read("model.safetensors")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("spec.json", spec_json)
        archive.writestr("model.safetensors", weights)
    return buffer.getvalue()


def upload_and_export(data: bytes) -> None:
    """The Build page's spec upload, its summary and model, and the exported code."""
    spec = dlcore.ModelSpec.from_json(data)
    dlcore.summarize(spec)
    dlcore.build_model(spec)
    dlcore.to_pytorch_code(spec)


READERS = {
    "spec": {
        "upload": upload_and_export,
        "checkpoint": lambda data: dlcore.load_checkpoint(as_checkpoint(data)),
    },
    "config": {"config": lambda data: dlcore.TrainConfig.from_dict(json.loads(data))},
}


def outcome(read, data: bytes) -> dict:
    try:
        read(data)
    except Exception as err:  # noqa: BLE001 - the test reports what came out
        return {
            "error": type(err).__name__,
            "dlcore": isinstance(err, dlcore.DlcoreError),
            "message": str(err),
        }
    return {"error": None}


def main() -> None:
    upload_and_export(GOOD.to_json().encode())  # warm up: imports and first-use caches
    dlcore.load_checkpoint(as_checkpoint(GOOD.to_json().encode()))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results = {}
    for name, (what, data) in CRAFTED.items():
        for reader, read in READERS[what].items():
            results[f"{name} ({reader})"] = outcome(read, data)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"results": results, "growth_kb": peak - baseline}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
