"""The Train page's recipe: which kind of learning trains the model (supervised, GAN, diffusion, VAE, language
model, ...), the recipe's options, and the models of its other roles.

The model on the Build page plays one role (a GAN's generator, say); the other roles' models are kept here
as plain spec dicts, set by a preset that names its partners ("partners" in its train block) or by a
one-click fix, so a team of models survives page switches like everything else the student builds.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.text import plain

AUTO = "auto"  # the recipe the dataset's task trains with by default
PARTNERS_KEY = "train_partners"  # role -> model spec dict, for every role but the one on Build
ROLE_KEY = "train_role"  # the role the model on Build plays ("": the recipe's first role)
ROLE_WIDGET = "train.role"


def fitting(task: str) -> list[str]:
    """The registered recipes made for a dataset task, in registration order."""
    return [name for name in dlcore.RECIPES.names() if task in dlcore.RECIPES.get(name).tasks]


def kind_of(name: str, task: str):
    """The RecipeKind `name` stands for on a dataset of `task` ("auto": the task's default recipe);
    TrainError for an unknown name. Whether it fits the task is `dlcore.recipe_for`'s to say."""
    return dlcore.RECIPES.get(dlcore.TASKS.get(task).default_recipe if name == AUTO else name)


def use_preset(preset: dlcore.Preset) -> None:
    """The models `preset` trains with: its own on Build (in its role), its partners' here."""
    team = dlcore.team_specs(preset)
    st.session_state[ROLE_KEY] = preset.role
    st.session_state[PARTNERS_KEY] = {
        role: spec.to_dict() for role, spec in team.items() if role != preset.role
    }
    st.session_state.pop(ROLE_WIDGET, None)


def adopt_team(setup) -> dlcore.ModelSpec:
    """Keep an uploaded recipe's models: its first role's model goes on Build (returned), the others here."""
    role, *others = setup.models
    st.session_state[ROLE_KEY] = role
    st.session_state[PARTNERS_KEY] = {r: setup.models[r].to_dict() for r in others}
    st.session_state.pop(ROLE_WIDGET, None)
    return setup.models[role]


def partners() -> dict[str, dict[str, Any]]:
    return st.session_state.setdefault(PARTNERS_KEY, {})


def build_role(kind) -> str:
    """The role the model on Build plays in `kind` (the preset's, the student's choice, else the first)."""
    role = st.session_state.get(ROLE_KEY) or ""
    return role if role in kind.roles else kind.roles[0]


def team(kind, spec_dict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The spec dict of every role of `kind` that has a model: the model on Build cut into the recipe's
    roles (an autoencoder at its 'code' layer; SpecError when it cannot be), or the model on Build in its
    role with the partners kept here."""
    if kind.split_one_model is not None:
        return {r: spec.to_dict() for r, spec in kind.split_one_model(spec_dict).items()}
    role = build_role(kind)
    kept = {r: spec for r, spec in partners().items() if r in kind.roles and r != role}
    return {role: spec_dict, **kept}


def missing_roles(kind, spec_dict: dict[str, Any]) -> list[str]:
    """The roles of `kind` with no model yet (none for a recipe that cuts the model on Build into them)."""
    if kind.split_one_model is not None:
        return []
    return [role for role in kind.roles if role not in team(kind, spec_dict)]


def presets_for(kind_name: str, role: str) -> list[dlcore.Preset]:
    """Presets made to play `role` in recipe `kind_name` (the one-click fix for a missing model)."""
    return [
        p
        for p in dlcore.preset_catalogue().values()
        if p.settings.get("recipe") == kind_name and p.role == role
    ]


def set_partner(role: str, spec: dlcore.ModelSpec) -> None:
    partners()[role] = spec.to_dict()


def edit_on_build(role: str, kind) -> None:
    """Swap: the model of `role` goes to the Build page, and the model there takes its place here."""
    here = build_role(kind)
    kept = partners()
    spec = kept.pop(role)
    kept[here] = model.model_dict()
    model.set_model(spec)
    st.session_state[ROLE_KEY] = role
    st.session_state.pop(ROLE_WIDGET, None)


def draw_recipe_form(
    task: str, values: dict[str, Any], spec_dict: dict[str, Any], *, disabled: bool = False
) -> dict[str, str]:
    """The recipe select box (the recipes made for `task`, and "auto" saying what it picks), the chosen
    recipe's options as widgets, and its models if it trains several; writes "recipe" and
    "recipe_options" into `values`. Returns the options refused beside their boxes (field -> message)."""
    chosen = values.get("recipe") or AUTO
    choices = [AUTO, *fitting(task)]
    if chosen not in choices:
        choices.append(chosen)  # kept (a preset's, an upload's): pre-flight says why it does not fit
    auto_title = kind_of(AUTO, task).title
    name = st.selectbox(
        "Recipe",
        choices,
        index=choices.index(chosen),
        format_func=lambda n: f"auto ({auto_title})" if n == AUTO else dlcore.RECIPES.get(n).title,
        key="train.recipe",
        disabled=disabled,
        help="The kind of learning: what one training step does with a batch, and which models it trains.",
    )
    kind = kind_of(name, task)
    st.caption(f"**{kind.title}**: {kind.description}")
    previous = values.get("recipe_options") or {}
    if name != chosen or set(previous) - {p.name for p in kind.params}:
        previous = {}  # options only carry over while the same recipe stays chosen
    options, errors = {}, {}
    if kind.params:
        with st.expander(f"Options of the {kind.title} recipe"):
            options, errors = forms.param_form(
                kind.params, previous, f"train.recipe.{kind.name}", columns=3, disabled=disabled
            )
    values["recipe"], values["recipe_options"] = name, options
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
    role = st.selectbox(
        "The model on Build is the",
        roles,
        index=roles.index(build_role(kind)),
        key=ROLE_WIDGET,
        disabled=disabled,
        help=f"The {kind.title} recipe trains {len(roles)} models together, one per role.",
    )
    st.session_state[ROLE_KEY] = role
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


def run_models_text(kind, spec_dict: dict[str, Any]) -> str:
    """'GAN generator + GAN discriminator' for a team, for the one-line run summary."""
    members = [spec_dict] if kind.split_one_model is not None else team(kind, spec_dict).values()
    return " + ".join(f"**{plain(spec.get('name') or 'your model')}**" for spec in members)
