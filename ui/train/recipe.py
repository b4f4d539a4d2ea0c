"""The recipe a run trains with (supervised, GAN, diffusion, VAE, language model, ...) and its team: the
model on the Build page plays one role (a GAN's generator, say); the other roles' models are kept in the
Train page's state, set by a preset that names its partners, by an upload or by a one-click fix.
"""

from __future__ import annotations

import copy
from typing import Any

import dlcore
from ui.build import model
from ui.text import plain
from ui.train import state

AUTO = dlcore.train_link.AUTO


def fitting(task: str) -> list[str]:
    """The registered recipes made for a dataset task, in registration order (not a lab's own)."""
    kinds = [dlcore.RECIPES.get(name) for name in dlcore.RECIPES.names()]
    return [kind.name for kind in kinds if task in kind.tasks and kind.lab is None]


def kind_of(name: str, task: str):
    """The RecipeKind `name` stands for on a dataset of `task` ("auto": the task's default recipe);
    TrainError for an unknown name. Whether it fits the task is `dlcore.recipe_for`'s to say."""
    return dlcore.RECIPES.get(dlcore.TASKS.get(task).default_recipe if name == AUTO else name)


def chosen_kind(dataset, settings: dict[str, Any]):
    """The recipe `settings` train with on `dataset`, or None when there is no dataset or no such recipe."""
    if dataset is None:
        return None
    try:
        return kind_of(settings.get("recipe") or AUTO, dataset.task)
    except dlcore.DlcoreError:
        return None


def adopt_team(setup) -> dlcore.ModelSpec:
    """Keep an uploaded recipe's models: its first role's model goes on Build (returned), the others here."""
    role, *others = setup.models
    state.set_team(role, {other: setup.models[other].to_dict() for other in others})
    return setup.models[role]


def build_role(kind) -> str:
    """The role the model on Build plays in `kind` (the preset's, the student's choice, else the first)."""
    role = state.current().role
    return role if role in kind.roles else kind.roles[0]


def team(kind, spec_dict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The spec dict of every role of `kind` that has a model: the model on Build cut into the recipe's
    roles (an autoencoder at its 'code' layer; SpecError when it cannot be), or the model on Build in its
    role with the partners kept here."""
    if kind.split_one_model is not None:
        return {r: spec.to_dict() for r, spec in kind.split_one_model(spec_dict).items()}
    role = build_role(kind)
    partners = state.current().partners
    kept = {r: dict(spec) for r, spec in partners.items() if r in kind.roles and r != role}
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
    current = state.current()
    state.set_team(current.role, {**current.partners, role: spec.to_dict()})


def edit_on_build(role: str, kind) -> None:
    """Swap: the model of `role` goes to the Build page, and the model there takes its place here."""
    kept = dict(state.current().partners)
    spec = kept.pop(role)
    kept[build_role(kind)] = copy.deepcopy(model.model_dict())  # the Build page edits its own in place
    model.set_model(spec)
    state.set_team(role, kept)


def run_models_text(kind, spec_dict: dict[str, Any]) -> str:
    """'GAN generator + GAN discriminator' for a team, for the one-line run summary."""
    members = [spec_dict] if kind.split_one_model is not None else team(kind, spec_dict).values()
    return " + ".join(f"**{plain(spec.get('name') or 'your model')}**" for spec in members)
