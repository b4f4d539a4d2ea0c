"""The training settings: hyperparameter widgets made from TrainConfig's Params (each with its help), the
chosen loss, optimizer and schedule's own options, the model's initialisation, and the one-line summary of
what Start trains."""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.text import plain
from ui.train import state
from ui.train.recipe import chosen_kind, run_models_text

# Fields of TrainConfig the page shows, in this order; the rest keep their defaults.
MAIN_FIELDS = ("loss", "optimizer", "lr", "schedule", "batch_size", "epochs")
MORE_FIELDS = (
    "weight_decay",
    "l1",
    "clip_grad_norm",
    "device",
    "seed",
    "early_stopping_patience",
    "max_seconds",
)
CATALOGUES = ("loss", "optimizer", "schedule")
SUPERVISED = "supervised"  # the recipe that keeps the page's one-click fixes for inputs, outputs and losses


def train_params() -> dict[str, dlcore.Param]:
    """TrainConfig's Params, with the catalogue names as choices and the detected device in the help."""
    params = {p.name: p for p in dlcore.TrainConfig.params()}
    for field in CATALOGUES:
        registry = dlcore.train_link.CATALOGUES[field]
        params[field] = dataclasses.replace(params[field], kind="choice", choices=tuple(registry.names()))
    info = dlcore.device_info()
    params["device"] = dataclasses.replace(
        params["device"],
        choices=("auto", *info["available"]),
        help=f"{params['device'].help} 'auto' here means: {info['name']}.",
    )
    return params


def draw_settings_form(disabled: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Hyperparameter widgets, plus the chosen loss/optimizer/schedule's own options, written back to the
    page's state. Returns (values, errors): an entry out of its range is refused beside its box and named
    in `errors` (its field keeps the last good value in `values`, which must then not train: preflight)."""
    values = state.settings()
    params = train_params()
    main, errors = forms.param_form(
        tuple(params[f] for f in MAIN_FIELDS), values, state.SETTINGS_WIDGETS, columns=3, disabled=disabled
    )
    values.update(main)
    errors.update(_draw_catalogue_options(values, disabled))
    with st.expander("Regularisation, gradient clipping, device, seed and limits"):
        more, more_errors = forms.param_form(
            tuple(params[f] for f in MORE_FIELDS),
            values,
            state.SETTINGS_WIDGETS,
            columns=3,
            disabled=disabled,
        )
    values.update(more)
    errors.update(more_errors)
    state.set_settings(values)
    return values, errors


def _draw_catalogue_options(values: dict[str, Any], disabled: bool) -> dict[str, str]:
    """What the chosen loss, optimizer and schedule do, and their own options (set into `values`)."""
    entries = {field: dlcore.train_link.CATALOGUES[field].get(values[field]) for field in CATALOGUES}
    for field, entry in entries.items():
        st.caption(f"**{field.title()} · {entry.name}**: {entry.help}")
    errors = {}
    with st.expander("Options of this loss, optimizer and schedule"):
        for field, entry in entries.items():
            options_field = dlcore.train_link.OPTION_FIELDS[field]
            if not entry.params:
                values[options_field] = {}
                continue
            st.markdown(f"**{entry.name}**")
            # options only carry over while the same loss/optimizer/schedule stays chosen
            previous = values.get(options_field) or {}
            if set(previous) - {p.name for p in entry.params}:
                previous = {}
            values[options_field], opt_errors = forms.param_form(
                entry.params, previous, f"train.{field}.{entry.name}", columns=3, disabled=disabled
            )
            errors.update(opt_errors)
    return errors


def init_param() -> dlcore.Param:
    """How the model's weights start (a field of the model spec, chosen here beside the other settings)."""
    return dlcore.Param(
        "init",
        "choice",
        "default",
        "How the weights start before training. Try 'zeros' to see why random starts matter.",
        choices=tuple(dlcore.INITIALISERS.names()),
    )


def draw_init_and_device(spec: dict[str, Any], device: str, *, disabled: bool = False) -> None:
    """The model's initialisation (kept in the model) and the device training runs on."""
    values, _ = forms.param_form(
        (init_param(),), {"init": spec.get("init", "default")}, "model", disabled=disabled
    )
    model.set_model_field("init", values["init"])
    st.caption(f"**Initialisation · {values['init']}**: {dlcore.INITIALISERS.get(values['init']).help}")
    info = dlcore.device_info(device)  # the menu only offers devices this machine has
    st.caption(
        f"Training runs on **{info['name']}**."
        + ("" if "cuda" in info["available"] else " No GPU found: small models train fine on the CPU.")
    )


def run_summary(spec_dict: dict[str, Any], dataset, values: dict[str, Any]) -> str:
    """One line saying what Start trains: the model (or a recipe's models), the data and the main settings
    (they fold away)."""
    name = plain(spec_dict.get("name") or "your model")
    epochs = values["epochs"] or "∞"
    layers = len(spec_dict["layers"])
    what = f"**{name}** ({layers} layer{'' if layers == 1 else 's'})"
    how = values["loss"]
    kind = chosen_kind(dataset, values)
    if kind is not None and kind.name != SUPERVISED:
        what, how = run_models_text(kind, spec_dict), f"{kind.title} recipe"
    return (
        f"Training {what} on **{state.current().dataset}** · {how} · {values['optimizer']} · "
        f"lr {values['lr']:g} · batch {values['batch_size']} · {epochs} epochs"
    )


def make_config(values: dict[str, Any]) -> dlcore.TrainConfig:
    """TrainConfig from the form's values (raises TrainError naming the field)."""
    return dlcore.TrainConfig.from_dict(dict(values))
