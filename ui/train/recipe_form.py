"""The recipe's part of the settings: the recipe select box (the recipes made for the data's task, and
"auto" saying what it picks), the recipe's options, and its team of models with the way to the Build page.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.state import bind
from ui.text import plain
from ui.train import state
from ui.train.recipe import AUTO, build_role, edit_on_build, fitting, kind_of, team

RECIPE_WIDGET = "train.recipe"
ROLE_WIDGET = "train.role"


def _choose_recipe(current, name: str):
    """Another recipe: its options start from their defaults (they only carry over within a recipe)."""
    return dataclasses.replace(current, settings={**current.settings, "recipe": name, "recipe_options": {}})


def draw_recipe_form(task: str, spec_dict: dict[str, Any], *, disabled: bool = False) -> dict[str, str]:
    """The recipe select box, the chosen recipe's options as widgets, and its models if it trains
    several. Returns the options refused beside their boxes (field -> message)."""
    values = state.settings()
    chosen = values.get("recipe") or AUTO
    choices = [AUTO, *fitting(task)]
    if chosen not in choices:
        choices.append(chosen)  # kept (a preset's, an upload's): pre-flight says why it does not fit
    auto_title = kind_of(AUTO, task).title
    bind(RECIPE_WIDGET, chosen)
    st.selectbox(
        "Recipe",
        choices,
        format_func=lambda n: f"auto ({auto_title})" if n == AUTO else dlcore.RECIPES.get(n).title,
        disabled=disabled,
        help="The kind of learning: what one training step does with a batch, and which models it trains.",
        **state.TRAIN.on_change(RECIPE_WIDGET, _choose_recipe),
    )
    kind = kind_of(chosen, task)
    st.caption(f"**{kind.title}**: {kind.description}")
    errors = {}
    if kind.params:
        with st.expander(f"Options of the {kind.title} recipe"):
            options, errors = forms.param_form(
                kind.params,
                values.get("recipe_options") or {},
                f"train.recipe.{kind.name}",
                columns=3,
                disabled=disabled,
            )
        state.set_settings({**values, "recipe_options": options})
    draw_team(kind, spec_dict, disabled=disabled)
    return errors


def draw_team(kind, spec_dict: dict[str, Any], *, disabled: bool = False) -> None:
    """The models a recipe with several roles trains, each with its parameter count: which role the model
    on Build plays (a swap puts another role's model on Build to edit it), or how the recipe cuts it."""
    if len(kind.roles) < 2:
        return
    if kind.split_one_model is not None:
        try:
            members = team(kind, spec_dict)
        except dlcore.DlcoreError:
            return  # pre-flight says what to change
        st.caption(f"The {kind.title} recipe trains the model on Build as {_listing(members)}:")
        for member, spec in members.items():
            _draw_member(member, spec, on_build=True)
        return
    roles = list(kind.roles)
    role = build_role(kind)
    bind(ROLE_WIDGET, role)
    st.selectbox(
        "The model on Build is the",
        roles,
        disabled=disabled,
        help=f"The {kind.title} recipe trains {len(roles)} models together, one per role.",
        **state.TRAIN.on_change(ROLE_WIDGET, lambda current, new: dataclasses.replace(current, role=new)),
    )
    for member, spec in team(kind, spec_dict).items():
        _draw_member(member, spec, on_build=member == role, swap=(kind, role), disabled=disabled)


def _listing(members) -> str:
    return " and ".join(f"its {member}" for member in members)


def _draw_member(member: str, spec, *, on_build: bool, swap=None, disabled: bool = False) -> None:
    """One role's model: its name and parameter count, and the way to the Build page."""
    name_col, link_col = st.columns([2, 1], vertical_alignment="center")
    name_col.markdown(f"**{member.title()}**: {_model_line(spec)}")
    if on_build:
        link_col.page_link("pages/build.py", label="On Build", icon=":material/construction:")
        return
    kind, role = swap
    link_col.button(
        "Edit on Build",
        key=f"edit-{member}",
        icon=":material/swap_horiz:",
        disabled=disabled,
        on_click=edit_on_build,
        args=(member, kind),
        help=f"Put the {member} on the Build page; the model there becomes the {role} here.",
    )


def _model_line(spec: dict[str, Any]) -> str:
    analysis = model.analyse(spec)
    name = plain(spec.get("name") or "unnamed model")
    if analysis.error is not None:
        return f"{name} (does not build yet)"
    return f"{name} · {analysis.total_params:,} parameters"
