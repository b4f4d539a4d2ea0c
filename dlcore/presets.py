"""Ready-made architectures, one JSON file per preset in assets/presets/ (the key is the file stem).

A preset file is a model spec plus how to train it: `"train"` holds the TrainConfig settings it learns well
with on its suggested dataset (recipe, loss, optimizer, lr, epochs, ...). A model that learns together with
others (a GAN's generator and discriminator) also says which `role` it plays in its recipe and, under
`"partners"`, the preset of every other role, so loading either one trains the whole team:

    "train": {"recipe": "gan", "role": "generator", "partners": {"discriminator": "gan_discriminator"}, ...}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcore.spec import ModelSpec

PRESET_DIR = Path(__file__).resolve().parents[1] / "assets" / "presets"
TRAINING_KEYS = ("train",)  # keys of a preset file that are not part of the model spec
TEAM_KEYS = ("role", "partners")  # keys of a "train" block that are not TrainConfig settings


@dataclass(frozen=True)
class Preset:
    """One preset: `key` (file stem), `spec`, `settings` (TrainConfig fields), and, for a model trained
    with others, its `role` and its `partners` (role -> preset key)."""

    key: str
    spec: ModelSpec
    settings: dict[str, Any] = field(default_factory=dict)
    role: str = ""  # "" : the recipe's only model
    partners: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name or self.key


def _read(path: Path) -> Preset:
    data = json.loads(path.read_text())
    settings = dict(data.pop("train", None) or {})
    team = {key: settings.pop(key) for key in TEAM_KEYS if key in settings}
    return Preset(
        path.stem,
        ModelSpec.from_dict(data),
        settings,
        team.get("role", ""),
        dict(team.get("partners") or {}),
    )


def preset_catalogue() -> dict[str, Preset]:
    """Every preset by key, with its training settings; fresh copies, so editing one changes nothing."""
    return {path.stem: _read(path) for path in sorted(PRESET_DIR.glob("*.json"))}


def presets() -> dict[str, ModelSpec]:
    """Every preset's spec by key, e.g. presets()["lenet5"]; fresh copies: editing one changes nothing else.

    Each carries a `description` and, where one fits, a suggested `dataset` name.
    """
    return {key: preset.spec for key, preset in preset_catalogue().items()}


def team_specs(preset: Preset) -> dict[str, ModelSpec]:
    """The models `preset` trains with, by role: its own spec under its role, and each partner preset's.
    {} for a preset that trains alone."""
    if not preset.role:
        return {}
    catalogue = preset_catalogue()
    return {preset.role: preset.spec, **{role: catalogue[key].spec for role, key in preset.partners.items()}}
