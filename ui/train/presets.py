"""What a preset loaded on the Build page sets on the Train page: its dataset, the settings it learns
well with, and the models of its recipe's other roles (a GAN's discriminator beside its generator)."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.state import TRAIN_PRESET
from ui.train import state


def use_preset(preset: dlcore.Preset) -> None:
    """Choose the dataset, the team and the settings `preset` trains well with; the other settings go back
    to their defaults (the device stays: it is this machine's choice, not the preset's)."""
    state.choose_dataset(preset.spec.dataset)
    team = dlcore.team_specs(preset)
    state.set_team(preset.role, {role: spec.to_dict() for role, spec in team.items() if role != preset.role})
    if preset.settings:
        device = state.current().settings["device"]
        state.set_settings({**dlcore.TrainConfig().to_dict(), **preset.settings, "device": device})
        forms.forget_widgets(state.SETTINGS_WIDGETS)
    st.session_state[TRAIN_PRESET] = preset.key


def use_dataset_of(spec: dlcore.ModelSpec) -> None:
    """A model of the student's own (an uploaded spec): train it on the dataset it names."""
    state.choose_dataset(spec.dataset)
    st.session_state.pop(TRAIN_PRESET, None)


def settings_text(preset: dlcore.Preset) -> str:
    """What loading `preset` set on the Train page, in one sentence."""
    s = preset.settings
    catalogue = dlcore.preset_catalogue()
    team = "".join(
        f" with the **{catalogue[key].name}** as its {role}" for role, key in preset.partners.items()
    )
    how = (
        f"the **{dlcore.RECIPES.get(s['recipe']).title}** recipe{team}"
        if "recipe" in s
        else f"**{s['loss']}** loss"
    )
    return (
        f"Training is set up for it: **{preset.spec.dataset}** data, {how}, "
        f"**{s['optimizer']}** at learning rate **{s['lr']:g}**, **{s['epochs']}** epochs"
        + (f", batches of **{s['batch_size']}**" if "batch_size" in s else "")
        + " (the other settings at their defaults)."
    )


def loaded_text() -> str | None:
    """'Loaded with the X preset. Training is set up for it: ...' while the model on Build is still the
    preset that set up this page, else None."""
    preset = model.current_preset()
    if preset is None or st.session_state.get(TRAIN_PRESET) != preset.key or not preset.settings:
        return None
    return f"Loaded with the **{preset.name}** preset. " + settings_text(preset)
