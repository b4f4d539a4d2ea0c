"""The model the run tests train: the Digits MLP preset, without its training settings."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def digits_spec() -> dict:
    spec = json.loads((ROOT / "assets/presets/digits_mlp.json").read_text())
    spec.pop("train")
    return spec
