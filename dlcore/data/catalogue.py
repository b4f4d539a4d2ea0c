"""The dataset catalogue: one registered entry per dataset (family, task, description, options, builder).

Families register their datasets with `@dataset(...)`; `load` validates the options against the entry's
Params (the same Params the app turns into form widgets) before calling the builder.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from dlcore.data.dataset import FAMILIES, HOLDOUT, Dataset, holding_out
from dlcore.errors import DataError
from dlcore.params import Param, ParamValueError, coerce_all
from dlcore.registry import Registry


@dataclass(frozen=True)
class DatasetInfo:
    """What a page can show about a dataset without generating it."""

    name: str
    family: str
    task: str  # the task with default options ("binary", "multiclass", ...)
    description: str
    params: tuple[Param, ...]
    build: Callable[..., Dataset]

    def __getitem__(self, key: str) -> Any:  # info(name)["family"] reads as well as info(name).family
        return getattr(self, key)


CATALOGUE: Registry[DatasetInfo] = Registry("dataset", DataError)


def dataset(name: str, family: str, task: str, description: str, params: tuple[Param, ...]):
    """Register the decorated builder (keyword arguments = the Params' names) under `name`."""

    def register(build: Callable[..., Dataset]) -> Callable[..., Dataset]:
        CATALOGUE.register(name, DatasetInfo(name, family, task, description, tuple(params), build))
        return build

    return register


def names(family: str | None = None) -> list[str]:
    """Catalogue names, family by family (toy2d, tabular, images, ...), or only those of `family`."""
    entries = sorted(CATALOGUE.items(), key=lambda item: FAMILIES.index(item[1].family))  # stable sort
    return [n for n, entry in entries if family is None or entry.family == family]


def info(name: str) -> DatasetInfo:
    """Family, task and description of a dataset, without generating it."""
    return CATALOGUE.get(name)


def options(name: str) -> tuple[Param, ...]:
    """The settable options of a dataset, with defaults, ranges and help (the app builds forms from them)."""
    return CATALOGUE.get(name).params


def load(name: str, holdout: str | None = None, **values: Any) -> Dataset:
    """Generate or read dataset `name` with the given options (others take their defaults).

    Raises DataError for an unknown name ("did you mean ...?") or an option that is unknown or out of
    range (`err.field` names it). `load(ds.name, **ds.options)` rebuilds the same dataset. `holdout`: a
    classroom challenge's key; the examples it hides are in none of the splits (it is kept in
    `ds.options`, so the runs trained on this data say so).
    """
    entry = CATALOGUE.get(name)
    known = [p.name for p in entry.params]
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            raise DataError(
                f"Dataset '{name}' has no option '{key}'{hint} (options: {', '.join(known)})", field=key
            )
    try:
        settings = coerce_all(entry.params, values)
    except ParamValueError as err:
        raise DataError(f"Dataset '{name}': {err}", field=err.field) from None
    if holdout is None:
        ds = entry.build(**settings)
    else:
        ds = _build_holding_out(entry, settings, str(holdout), reveal=False)
    ds.options = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    if holdout is not None:
        ds.options[HOLDOUT] = str(holdout)
    return ds


def load_hidden(name: str, holdout: str, **values: Any) -> Dataset:
    """The dataset `load(name, holdout=holdout, **values)` gives a student, except that its test split
    holds the hidden examples instead (normalised exactly as the student's data): for the server to score
    a challenge's hand-ins. A hidden example equal to one the student has (generated data can repeat
    itself) is dropped, so none of the hidden ones is anything the student trains, validates or tests on.
    Never send it to a browser."""
    student = load(name, holdout=holdout, **values)
    settings = coerce_all(CATALOGUE.get(name).params, values)
    ds = _build_holding_out(CATALOGUE.get(name), settings, holdout, reveal=True)
    seen = {_example_key(x, y) for x, y in student.splits.values() for x, y in zip(x, y, strict=True)}
    x, y = ds.test
    fresh = [i for i in range(len(x)) if _example_key(x[i], y[i]) not in seen]
    ds.test = (x[fresh], y[fresh])
    ds.options = dict(student.options)
    return ds


def _build_holding_out(entry: DatasetInfo, settings: dict, holdout: str, reveal: bool) -> Dataset:
    with holding_out(holdout, reveal) as hiding:
        ds = entry.build(**settings)
    if not hiding.carved:
        raise DataError(
            f"Dataset '{entry.name}' cannot keep examples hidden from students (its splits are fixed): "
            "choose another dataset for a challenge",
            field="dataset",
        )
    return ds


def _example_key(x: torch.Tensor, y: torch.Tensor) -> tuple[bytes, bytes]:
    return x.numpy().tobytes(), y.numpy().tobytes()


@dataclass(frozen=True)
class MultiChoiceParam(Param):
    """A Param whose value is a list of distinct `choices`, at least `min_count` (render a multiselect)."""

    multiple: bool = True
    min_count: int = 1

    def coerce(self, value: Any) -> tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"'{self.name}' must be a list chosen from {', '.join(self.choices)}")
        if len(value) < self.min_count:
            raise ValueError(f"'{self.name}' needs at least {self.min_count} of {', '.join(self.choices)}")
        unknown = [v for v in value if v not in self.choices]
        if unknown:
            raise ValueError(f"'{self.name}': unknown {unknown[0]!r}; choose from {', '.join(self.choices)}")
        return tuple(dict.fromkeys(value))  # keep the order given, drop repeats


# Options most datasets share. Functions, so each dataset can pick its own defaults.
def seed_param() -> Param:
    return Param("seed", "int", 0, "Random seed: the same seed gives the same data.", min=0, max=2**31 - 1)


def train_fraction_param(default: float = 0.7) -> Param:
    return Param(
        "train_fraction", "float", default, "Share of the examples used for training.", min=0.1, max=0.9
    )


def val_fraction_param(default: float = 0.1) -> Param:
    return Param(
        "val_fraction",
        "float",
        default,
        "Share of the examples held out for validation while training (the rest is the test set).",
        min=0.0,
        max=0.4,
    )


def split_params(train: float = 0.7, val: float = 0.1) -> tuple[Param, ...]:
    return (train_fraction_param(train), val_fraction_param(val), seed_param())
