"""The Train page's state in this tab: one frozen `dlcore.train_link.TrainState` (the dataset and its
options, the settings, the role of the model on Build and the other roles' models) held by a PageState,
read from the link on the first visit and mirrored to it, replaced whole by the functions here.

A change made by a button, a preset or an upload re-seeds the widgets it touches (`forms.forget_widgets`),
so the boxes show the new values; a widget's own change is written back by the form that draws it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import streamlit as st

import dlcore
import dlcore.data
from ui import forms
from ui.state import TRAIN_SETUP, PageState

link = dlcore.train_link
TRAIN: PageState[dlcore.train_link.TrainState] = PageState(
    TRAIN_SETUP, link.from_query, link.to_query, link.validate
)
SETTINGS_WIDGETS = "train"  # key prefix of the settings widgets ("train.lr", "train.recipe", ...)
DATASET_WIDGET = "data.name"


def current() -> dlcore.train_link.TrainState:
    return TRAIN.current()


def take_notices() -> list[str]:
    """What to tell the student once: values a link got wrong (read on the first visit), refused changes."""
    current()
    return TRAIN.take_notices()


def settings() -> dict[str, Any]:
    """The settings as TrainConfig.to_dict() data: a copy, to read or to fill a form with."""
    return dict(current().settings)


def data_widgets(name: str) -> str:
    """Key prefix of dataset `name`'s option widgets."""
    return f"data.{name}"


def with_dataset(current: dlcore.train_link.TrainState, name: str) -> dlcore.train_link.TrainState:
    """`current` on dataset `name`, with that dataset's default options."""
    return dataclasses.replace(current, dataset=name, data_options={})


def choose_dataset(name: str) -> None:
    """Pick dataset `name` with its default options (e.g. the one a preset suggests), if it exists."""
    if name in dlcore.data.names():
        TRAIN.update(lambda s: with_dataset(s, name))
        forms.forget_widgets(data_widgets(name))


def set_data_options(options: Mapping[str, Any]) -> None:
    """The dataset's options as the form read them (only when they changed: nothing to write otherwise)."""
    if dict(options) != dict(current().data_options):
        TRAIN.update(lambda s: dataclasses.replace(s, data_options=dict(options)))


def set_settings(values: Mapping[str, Any]) -> None:
    """All the settings at once (a form's values, a preset's)."""
    if dict(values) != dict(current().settings):
        TRAIN.update(lambda s: dataclasses.replace(s, settings=dict(values)))


def set_setting(field: str, value: Any) -> None:
    """Change one setting from a button; its widget is re-seeded from the new value. Another loss,
    optimizer, schedule or recipe starts from its own default options."""
    options = {link.OPTION_FIELDS[field]: {}} if field in link.OPTION_FIELDS else {}
    set_settings({**current().settings, field: value, **options})
    st.session_state.pop(f"{SETTINGS_WIDGETS}.{field}", None)


def set_team(role: str, partners: Mapping[str, Mapping[str, Any]]) -> None:
    """The role the model on Build plays, and the models of the other roles (spec dicts)."""
    kept = {other: dict(spec) for other, spec in partners.items()}
    TRAIN.update(lambda s: dataclasses.replace(s, role=role, partners=kept))
