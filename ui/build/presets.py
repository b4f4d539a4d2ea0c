"""The preset pills: one click replaces the model with a classic architecture and sets up the Train page."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui import state as keys
from ui.build import model
from ui.train import presets as train_presets

CHOICE = "preset_choice"  # the pills' widget key


def _load_chosen() -> None:
    key = st.session_state.get(CHOICE)
    if key:
        preset = dlcore.preset_catalogue()[key]
        model.set_model(preset.spec, preset=key)
        train_presets.use_preset(preset)
    st.session_state[CHOICE] = None  # the pills act as buttons: nothing stays selected


def draw_presets() -> None:
    """The pills, and what the preset loaded last set up on the Train page (while the model is still that
    preset's)."""
    presets = dlcore.preset_catalogue()
    st.pills(
        "Start from a preset",
        sorted(presets, key=lambda key: presets[key].name.lower()),
        format_func=lambda key: presets[key].name,
        key=CHOICE,
        on_change=_load_chosen,
        help="Replaces the model with a classic architecture and sets the Train page's dataset and settings "
        "to ones it learns well with. Download your model first to keep it.",
    )
    loaded = model.current_preset()
    if loaded is not None and st.session_state.get(keys.TRAIN_PRESET) == loaded.key:
        st.caption(
            f"Loaded **{loaded.name}**: {loaded.spec.description} {train_presets.settings_text(loaded)}"
        )
