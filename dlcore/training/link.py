"""What the Train page's link holds (a TrainState: the dataset and its options, the training settings, the
role the model on Build plays and the models of the recipe's other roles), as short, readable query
parameters: `?data=spiral&data.noise=0.2&lr=0.03&epochs=20`.

`to_query` writes only what differs from a new tab's page, so a link stays short; `from_query` reads every
value through its Param (the one home of its bounds): a value it cannot use keeps its default and is
reported in a sentence naming the field, so a mistyped link still opens a working page. The device is not
in a link: it is the machine's choice, and a link made beside a GPU is opened on laptops.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from dlcore.data.catalogue import info, names, options
from dlcore.data.dataset import HOLDOUT
from dlcore.errors import DataError, DlcoreError, SpecError, TrainError, excerpt
from dlcore.links import pack, unpack
from dlcore.optim import LOSSES, OPTIMIZERS, SCHEDULES
from dlcore.params import Param, ParamValueError, coerce_all
from dlcore.spec import ModelSpec
from dlcore.tasks import TASKS
from dlcore.training.config import TRAIN_PARAMS, TrainConfig
from dlcore.training.recipe import RECIPES

DEFAULT_DATASET = "digits"  # a new tab's dataset: small, quick, and the starting model fits it
AUTO = "auto"  # the recipe the dataset's task trains with by default
# The settings the Train page shows, as they go into a link (not the device: see the module docstring).
LINK_FIELDS = (
    "recipe",
    "loss",
    "optimizer",
    "lr",
    "schedule",
    "batch_size",
    "epochs",
    "weight_decay",
    "clip_grad_norm",
    "l1",
    "seed",
    "early_stopping_patience",
    "max_seconds",
)
# A catalogue entry's own options: the setting that names the entry -> the setting holding its options
OPTION_FIELDS = {
    "loss": "loss_options",
    "optimizer": "optimizer_options",
    "schedule": "schedule_options",
    "recipe": "recipe_options",
}
CATALOGUES = {"loss": LOSSES, "optimizer": OPTIMIZERS, "schedule": SCHEDULES}
PARAMS = {p.name: p for p in TRAIN_PARAMS}


def _default_settings() -> dict[str, Any]:
    return TrainConfig().to_dict()


@dataclass(frozen=True)
class TrainState:
    """The Train page's setup in one tab; replaced whole, never changed in place.

    `settings` is TrainConfig.to_dict() data; `partners` maps each role but the one on Build (`role`, ""
    for the recipe's first) to its model's spec dict."""

    dataset: str = DEFAULT_DATASET
    data_options: Mapping[str, Any] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=_default_settings)
    role: str = ""
    partners: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def recipe_name(recipe: str, dataset: str) -> str:
    """The recipe `recipe` stands for on `dataset` ("auto": its task's usual one)."""
    return TASKS.get(info(dataset).task).default_recipe if recipe == AUTO else recipe


def option_params(setting: str, settings: Mapping[str, Any], dataset: str) -> tuple[Param, ...]:
    """The Params of the options of the entry `settings[setting]` names (a loss, an optimizer, ...)."""
    if setting == "recipe":
        return RECIPES.get(recipe_name(settings["recipe"], dataset)).params
    return CATALOGUES[setting].get(settings[setting]).params


# ---------------------------------------------------------------- checking a state


def validate(state: TrainState) -> None:
    """Raise a DlcoreError naming the field for a value the page cannot hold. Whether the settings train
    together (a schedule that needs a number of epochs) is the pre-flight check's to say, not this."""
    if state.dataset not in names():
        raise DataError(f"unknown dataset {excerpt(state.dataset)}", field="dataset")
    data_options = dict(state.data_options)
    if not isinstance(data_options.pop(HOLDOUT, ""), str):
        raise DataError("a challenge's data key is a piece of text", field=HOLDOUT)
    try:
        coerce_all(options(state.dataset), data_options)
    except ParamValueError as err:
        raise DataError(f"Dataset '{state.dataset}': {err}", field=err.field) from None
    _validate_settings(state.settings, state.dataset)
    for role, spec in state.partners.items():
        try:
            ModelSpec.from_dict(spec)
        except DlcoreError as err:
            raise SpecError(f"the {role}'s model: {err.message}", field=role) from None


def _validate_settings(settings: Mapping[str, Any], dataset: str) -> None:
    unknown = set(settings) - {f.name for f in fields(TrainConfig)}
    if unknown:
        raise TrainError(f"unknown training setting {excerpt(sorted(unknown)[0])}", field=sorted(unknown)[0])
    for name, param in PARAMS.items():
        try:
            param.coerce(settings.get(name, param.default))
        except ValueError as err:
            raise TrainError(str(err), field=name) from None
    for name, registry in CATALOGUES.items():
        if settings[name] not in registry:
            raise TrainError(registry.unknown_message(settings[name]), field=name)
    if recipe_name(settings["recipe"], dataset) not in RECIPES:
        raise TrainError(RECIPES.unknown_message(settings["recipe"]), field="recipe")
    for setting, options_field in OPTION_FIELDS.items():
        try:
            coerce_all(option_params(setting, settings, dataset), dict(settings.get(options_field) or {}))
        except ParamValueError as err:
            raise TrainError(f"{settings[setting]}: {err}", field=f"{setting}.{err.field}") from None


# ---------------------------------------------------------------- to and from a link


def to_query(state: TrainState) -> dict[str, str]:
    """The state as query parameters: the dataset always, everything else where it is not the default."""
    query = {"data": state.dataset}
    query.update(_changed("data.", options(state.dataset), state.data_options))
    if state.data_options.get(HOLDOUT):  # a classroom challenge's data: the key travels with the link
        query[f"data.{HOLDOUT}"] = str(state.data_options[HOLDOUT])
    query.update(_changed("", tuple(PARAMS[name] for name in LINK_FIELDS), state.settings))
    for setting, options_field in OPTION_FIELDS.items():
        params = option_params(setting, state.settings, state.dataset)
        query.update(_changed(f"{setting}.", params, state.settings.get(options_field) or {}))
    if state.role:
        query["role"] = state.role
    if state.partners:
        query["partners"] = pack({role: dict(spec) for role, spec in state.partners.items()})
    return query


def _changed(prefix: str, params: tuple[Param, ...], values: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for param in params:
        text = param.to_text(values.get(param.name, param.default))
        if text != param.to_text(param.default):
            out[prefix + param.name] = text
    return out


def from_query(query: Mapping[str, Any]) -> tuple[TrainState, list[str]]:
    """A state from query parameters, and one sentence per value that could not be used (that value
    keeps its default). Parameters of other pages (the model's) are left alone."""
    q = {key: (value[-1] if isinstance(value, list) else value) for key, value in query.items()}
    problems: list[str] = []
    dataset = q.get("data", DEFAULT_DATASET)
    if dataset not in names():
        problems.append(f"Link: unknown dataset {excerpt(dataset)} in 'data'; using {DEFAULT_DATASET}.")
        dataset = DEFAULT_DATASET
    holdout = str(q.pop(f"data.{HOLDOUT}", ""))[:40]
    data_options = _read("data.", options(dataset), q, problems) | ({HOLDOUT: holdout} if holdout else {})
    settings = _default_settings()
    for name in LINK_FIELDS:
        if name in q:
            settings[name] = _read_setting(name, q[name], settings, dataset, problems)
    for setting, options_field in OPTION_FIELDS.items():
        settings[options_field] = _read(f"{setting}.", option_params(setting, settings, dataset), q, problems)
    partners = _read_partners(q.get("partners"), problems)
    return TrainState(dataset, data_options, settings, str(q.get("role", "")), partners), problems


def _read(prefix: str, params: tuple[Param, ...], q: Mapping[str, str], problems: list[str]) -> dict:
    """The values of `params` under `prefix` in the query; an unknown name or a bad value is a problem."""
    known = {param.name: param for param in params}
    values = {}
    for key in (k for k in q if k.startswith(prefix) and k != prefix.rstrip(".")):
        name = key[len(prefix) :]
        if name not in known:
            problems.append(f"Link: '{key}' is not a setting here ({', '.join(known) or 'none'}); ignored.")
            continue
        try:
            values[name] = known[name].from_text(q[key])
        except ValueError as err:
            problems.append(f"Link: {err}; using {known[name].to_text(known[name].default) or 'empty'}.")
    return values


def _read_setting(name: str, text: str, settings: dict[str, Any], dataset: str, problems: list[str]) -> Any:
    default = settings[name]
    try:
        value = PARAMS[name].from_text(text)
        if name in CATALOGUES and value not in CATALOGUES[name]:
            raise ValueError(f"'{name}': {CATALOGUES[name].unknown_message(value)}")
        if name == "recipe" and recipe_name(value, dataset) not in RECIPES:
            raise ValueError(f"'recipe': {RECIPES.unknown_message(value)}")
    except ValueError as err:
        problems.append(f"Link: {err}; using {PARAMS[name].to_text(default) or 'empty'}.")
        return default
    return value


def _read_partners(token: str | None, problems: list[str]) -> dict[str, dict[str, Any]]:
    """The other roles' models: every one a model spec, or none of them (the recipe check offers fixes)."""
    if not token:
        return {}
    try:
        data = unpack(token)
        if not isinstance(data, dict):
            raise DataError("the link's models are not a set of roles", field="partners")
        return {str(role): ModelSpec.from_dict(spec).to_dict() for role, spec in data.items()}
    except DlcoreError as err:
        problems.append(f"Link: 'partners': {err.message}; the other roles' models were left out.")
        return {}
