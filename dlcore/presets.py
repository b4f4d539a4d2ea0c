"""Ready-made architectures, one JSON file per preset in assets/presets/ (the key is the file stem).

A preset file is a model spec plus how to train it: `"train"` holds the TrainConfig settings it learns well
with on its suggested dataset (loss, optimizer, lr, epochs, ...), or `"train_later"` says, for the student,
why the Train page cannot train it yet (a GAN's two models, a diffusion model's noising).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcore.spec import ModelSpec

PRESET_DIR = Path(__file__).resolve().parents[1] / "assets" / "presets"
TRAINING_KEYS = ("train", "train_later")  # keys of a preset file that are not part of the model spec


@dataclass(frozen=True)
class Preset:
    """One preset: `key` (file stem), `spec`, and `settings` (TrainConfig fields) or `train_later`."""

    key: str
    spec: ModelSpec
    settings: dict[str, Any] = field(default_factory=dict)
    train_later: str = ""  # why it cannot be trained here yet; "" when it can

    @property
    def name(self) -> str:
        return self.spec.name or self.key


def _read(path: Path) -> Preset:
    data = json.loads(path.read_text())
    training = {key: data.pop(key) for key in TRAINING_KEYS if key in data}
    return Preset(
        path.stem,
        ModelSpec.from_dict(data),
        dict(training.get("train") or {}),
        training.get("train_later", ""),
    )


def preset_catalogue() -> dict[str, Preset]:
    """Every preset by key, with its training settings; fresh copies, so editing one changes nothing."""
    return {path.stem: _read(path) for path in sorted(PRESET_DIR.glob("*.json"))}


def presets() -> dict[str, ModelSpec]:
    """Every preset's spec by key, e.g. presets()["lenet5"]; fresh copies: editing one changes nothing else.

    Each carries a `description` and, where one fits, a suggested `dataset` name.
    """
    return {key: preset.spec for key, preset in preset_catalogue().items()}
