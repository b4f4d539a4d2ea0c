"""Before Start: every reason the model, the data and the settings cannot train together, explained
beside a one-click fix where the right change is clear; and advice about a loss that trains but fits badly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

import dlcore
from ui.build import model
from ui.errors import show_error
from ui.train import recipe
from ui.train.settings import SUPERVISED, make_config
from ui.train.state import set_setting


@dataclass
class Problem:
    """Something that would stop a run, explained before Start; `fix` (if any) repairs it in one click.
    `on_build`: the change to make is in the model, on the Build page (else in the settings here)."""

    error: dlcore.DlcoreError
    fix_label: str | None = None
    fix: Callable[[], None] | None = None
    on_build: bool = False


def preflight(
    spec_dict: dict[str, Any], dataset, values: dict[str, Any], setting_errors: dict[str, str] | None = None
) -> list[Problem]:
    """Every reason the model, data and settings cannot train together, with a one-click fix where the
    right change is clear. `setting_errors`: fields refused by the settings form. An empty list means
    Start will work."""
    if dataset is None:
        return [
            Problem(dlcore.DataError("The dataset above cannot be made with these options: change them."))
        ]
    problems = []
    if setting_errors:
        names = ", ".join(f"'{name}'" for name in setting_errors)
        message = f"Fix the setting{'s' if len(setting_errors) > 1 else ''} marked above ({names}) to start."
        problems.append(Problem(dlcore.TrainError(message, field=next(iter(setting_errors)))))
    try:
        cfg = make_config(values)
        kind = recipe.kind_of(cfg.recipe, dataset.task)
    except dlcore.DlcoreError as err:
        return problems + [Problem(err)]
    if kind.name != SUPERVISED:
        return problems + _recipe_problems(kind, spec_dict, dataset, cfg)
    return problems + _supervised_problems(spec_dict, dataset, values["loss"])


def _supervised_problems(spec_dict: dict[str, Any], dataset, loss: str) -> list[Problem]:
    """A model that does not take the data's inputs (fixed in one click), or whose output does not fit
    the task and the loss."""
    try:
        spec = dlcore.ModelSpec.from_dict(spec_dict)
    except dlcore.DlcoreError as err:
        return [Problem(err, on_build=True)]
    wanted = tuple(dataset.input_shape)
    if tuple(spec.input_shape) != wanted:
        shape = ", ".join(map(str, wanted))
        has = ", ".join(map(str, spec.input_shape))
        message = (
            f"The model takes inputs of shape ({has}) but each {dataset.name} example has shape ({shape}). "
            f"Set the model's input shape to ({shape})."
        )
        fix = lambda: model.set_model_field("input_shape", list(wanted), reset_widget=True)  # noqa: E731
        return [
            Problem(dlcore.SpecError(message, field="input_shape"), f"Use input shape ({shape})", fix, True)
        ]
    try:
        dlcore.validate(spec)
        classes = dataset.num_classes or getattr(dataset, "vocab_size", None)
        mismatch = dlcore.check_compatibility(
            spec, dataset.task, classes, loss, target_shape=tuple(dataset.target_shape)
        )
    except dlcore.DlcoreError as err:
        mismatch = err
    return [] if mismatch is None else [_mismatch_problem(mismatch, spec_dict, dataset, loss)]


def _recipe_problems(kind, spec_dict, dataset, cfg) -> list[Problem]:
    """Why the models of a recipe's roles cannot train together on `dataset`: a role with no model yet
    (fixed in one click with a preset made for it), or the recipe's own check, which names the role, the
    layer and the change to make on the Build page."""
    try:
        dlcore.recipe_for(kind.name, dataset.task)
    except dlcore.DlcoreError as err:
        auto = recipe.kind_of(recipe.AUTO, dataset.task).title
        return [Problem(err, f"Use the {auto} recipe", lambda: set_setting("recipe", recipe.AUTO))]
    problems = []
    for role in recipe.missing_roles(kind, spec_dict):
        message = (
            f"The {kind.title} recipe also trains a {role}, and there is none yet: load a preset that "
            f"trains with one on the Build page, or use the one offered here."
        )
        error, offered = dlcore.SpecError(message, field=role), recipe.presets_for(kind.name, role)
        if not offered:
            problems.append(Problem(error, on_build=True))
            continue
        fix = lambda role=role, spec=offered[0].spec: recipe.set_partner(role, spec)  # noqa: E731
        problems.append(Problem(error, f"Use the {offered[0].name}", fix))
    if problems:
        return problems
    try:
        specs = {role: dlcore.ModelSpec.from_dict(d) for role, d in recipe.team(kind, spec_dict).items()}
        kind.check(specs, dataset, cfg, kind.options(cfg.recipe_options))
    except dlcore.DlcoreError as err:
        problems.append(Problem(err, on_build=True))
    return problems


def _mismatch_problem(err, spec_dict, dataset, loss: str) -> Problem:
    """A loss that does not suit the task is fixed here (the first loss that suits it); anything else
    that does not fit is a change to the model."""
    suited = dlcore.suited_losses(dataset.task)
    if suited and loss not in suited:
        return Problem(err, f"Use the {suited[0]} loss", lambda: set_setting("loss", suited[0]))
    return Problem(err, *_output_fix(err, spec_dict, dataset, loss), on_build=True)


def _output_fix(err, spec_dict, dataset, loss: str) -> tuple[str | None, Callable[[], None] | None]:
    """For "one output per class" mismatches: set the last Linear's out_features to the number of classes."""
    if err.field not in ("out_features", "output_shape") or loss not in ("cross_entropy", "nll"):
        return None, None
    linears = [i for i, layer in enumerate(spec_dict["layers"]) if layer.get("type") == "Linear"]
    if not dataset.num_classes or not linears:
        return None, None
    index, classes = linears[-1], dataset.num_classes
    layer_id = model.layer_ids()[index]
    return f"Set layer {index + 1}'s out_features to {classes}", lambda: model.update_layer(
        layer_id, {"out_features": classes}, reset_widgets=True
    )


def draw_problems(problems: list[Problem]) -> None:
    """Each problem with its one-click fix, and the way to the Build page when the change is made there."""
    for problem in problems:
        show_error(problem.error)
        if problem.fix_label:
            st.button(problem.fix_label, key=f"fix-{problem.fix_label}", on_click=problem.fix)
    if any(problem.on_build for problem in problems):
        st.page_link(
            "pages/build.py", label="Open the Build page to change the model", icon=":material/construction:"
        )


def draw_loss_advice(dataset, values: dict[str, Any]) -> None:
    """A value loss on classes trains, so it is no Problem; say which loss is made for classes, one click
    away (a loss kept from a regression run would otherwise go unnoticed). Supervised learning only: a VAE
    on digits rebuilds pixels, so its value loss is the right one."""
    kind = recipe.chosen_kind(dataset, values)
    if kind is None or kind.name != SUPERVISED:
        return
    advice = dlcore.better_loss(dataset.task, values["loss"])
    if advice is not None:
        better, why = advice
        st.info(why, icon=":material/lightbulb:")
        st.button(f"Use the {better} loss", key="loss-advice", on_click=set_setting, args=("loss", better))
