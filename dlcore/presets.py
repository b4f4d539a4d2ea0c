"""Ready-made architectures, one JSON spec per file in assets/presets/ (the name is the file stem)."""

from __future__ import annotations

from pathlib import Path

from dlcore.spec import ModelSpec

PRESET_DIR = Path(__file__).resolve().parents[1] / "assets" / "presets"


def presets() -> dict[str, ModelSpec]:
    """Every preset by name, e.g. presets()["lenet5"]; fresh copies, so editing one changes nothing else.

    Each carries a `description` and, where one fits, a suggested `dataset` name.
    """
    return {path.stem: ModelSpec.from_json(path.read_text()) for path in sorted(PRESET_DIR.glob("*.json"))}
