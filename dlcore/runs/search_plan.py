"""What a hyper-parameter search tries: which settings vary over which ranges, how many trials, which
method. Plain frozen data that round-trips through a link (`from_query` / `to_query`), checked by `validate`.

    plan = SearchPlan(method="tpe", trials=12, ranges=(Range("lr", 1e-4, 0.3), Range("width", 8, 128)))
    spec, cfg = plan_trial_setup(base_spec, base_cfg, {"lr": 0.01, "width": 64})

Each searchable setting reads its bounds from the Param that owns them (the learning rate's, a Linear
layer's out_features, a Dropout's p, ...); a range is checked against them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dlcore.catalogue import layer_catalogue
from dlcore.errors import TrainError
from dlcore.optim import LEARNING_RATE, OPTIMIZERS, WEIGHT_DECAY
from dlcore.params import Param
from dlcore.plan import as_spec
from dlcore.registry import Registry
from dlcore.spec import ModelSpec
from dlcore.training import TrainConfig
from dlcore.training.config import TRAIN_PARAMS

METHODS = {
    "tpe": "Optuna's TPE: learns from the trials so far which values look promising",
    "random": "Random: every trial draws its values at random within the ranges",
    "grid": "Grid: a few evenly spaced values of each setting, every combination in turn",
}
MAX_TRIALS = 100
GRID_POINTS = 3  # values per numeric setting on a grid search


@dataclass(frozen=True)
class Searchable:
    """A setting a search can vary. `param` holds its bounds; `start`: the range a new search offers;
    `log`: searched on a log scale (values spread over powers of ten, as learning rates are); `where`:
    "config" (a TrainConfig field) or the layer type whose parameter it sets in every matching layer."""

    name: str
    label: str
    param: Param
    start: tuple[float, float]
    where: str = "config"
    log: bool = False


def _layer_param(layer: str, name: str) -> Param:
    return next(p for p in layer_catalogue()[layer].params if p.name == name)


BATCH_SIZE = next(p for p in TRAIN_PARAMS if p.name == "batch_size")
SEARCHABLE: Registry[Searchable] = Registry("searchable setting", TrainError)
for _entry in (
    Searchable("lr", "Learning rate", LEARNING_RATE, (1e-4, 0.3), log=True),
    Searchable("batch_size", "Batch size", BATCH_SIZE, (16, 256), log=True),
    Searchable("weight_decay", "Weight decay", WEIGHT_DECAY, (0.0, 0.01)),
    Searchable("width", "Hidden units", _layer_param("Linear", "out_features"), (8, 256), "Linear"),
    Searchable("dropout", "Dropout rate", _layer_param("Dropout", "p"), (0.0, 0.5), "Dropout"),
):
    SEARCHABLE.register(_entry.name, _entry)


def start_range(name: str) -> Range:
    """The range a search offers first for setting `name`."""
    return Range(name, *SEARCHABLE.get(name).start)


@dataclass(frozen=True)
class Range:
    """One numeric setting's range, both ends included."""

    name: str
    low: float
    high: float


@dataclass(frozen=True)
class SearchPlan:
    """A search: the ranges of the numeric settings, the optimizers to try (none: the base run's),
    the method, the trial budget, epochs per trial, whether poor trials are pruned, and a time limit."""

    ranges: tuple[Range, ...] = field(default_factory=lambda: (start_range("lr"), start_range("width")))
    optimizers: tuple[str, ...] = ()
    method: str = "tpe"
    trials: int = 12
    epochs: int = 15
    prune: bool = True
    minutes: float = 10.0
    seed: int = 0

    def dimensions(self) -> list[str]:
        """The names of the settings that vary, in order."""
        return [r.name for r in self.ranges] + (["optimizer"] if self.optimizers else [])

    def grid(self) -> dict[str, list]:
        """The values a grid search tries for each setting."""
        grid: dict[str, list] = {r.name: _grid_values(r) for r in self.ranges}
        if self.optimizers:
            grid["optimizer"] = list(self.optimizers)
        return grid

    def budget(self) -> int:
        """Trials the search will run: the budget, or fewer when a grid has fewer combinations."""
        if self.method != "grid":
            return self.trials
        return min(self.trials, math.prod(len(values) for values in self.grid().values()))

    def to_query(self) -> dict[str, str]:
        """The plan as query parameters: only what differs from a new search's."""
        fresh = SearchPlan()._query()
        return {key: value for key, value in self._query().items() if value != fresh[key]}

    def _query(self) -> dict[str, str]:
        return {
            "method": self.method,
            "trials": str(self.trials),
            "epochs": str(self.epochs),
            "prune": "1" if self.prune else "0",
            "minutes": f"{self.minutes:g}",
            "seed": str(self.seed),
            "ranges": ",".join(f"{r.name}:{r.low:g}:{r.high:g}" for r in self.ranges),
            "optimizers": ",".join(self.optimizers),
        }


PLAN_PARAMS = {
    "trials": Param("trials", "int", 12, "How many runs the search may train.", min=1, max=MAX_TRIALS),
    "epochs": Param("epochs", "int", 15, "Epochs each trial trains (fewer when pruned).", min=1, max=1000),
    "minutes": Param(
        "minutes", "float", 10.0, "Wall-time limit of the whole search, in minutes.", min=0.1, max=240.0
    ),
    "seed": Param("seed", "int", 0, "Same seed, same trials: a search you can repeat.", min=0, max=2**31 - 1),
}


def validate(plan: SearchPlan, spec: ModelSpec | dict | None = None) -> None:
    """Raise TrainError naming the field for a plan that cannot run (on `spec`, when given)."""
    if plan.method not in METHODS:
        raise TrainError(f"unknown search method {plan.method!r}: use {', '.join(METHODS)}", field="method")
    for name, param in PLAN_PARAMS.items():
        _coerce(param, getattr(plan, name), name)
    if not plan.ranges and len(plan.optimizers) < 2:
        raise TrainError(
            "choose at least one setting to search, or two optimizers to compare", field="ranges"
        )
    seen = set()
    for r in plan.ranges:
        if r.name in seen:
            raise TrainError(f"'{r.name}' is searched twice: keep one range for it", field=r.name)
        seen.add(r.name)
        _check_range(SEARCHABLE.get(r.name), r)
    for name in plan.optimizers:
        if name not in OPTIMIZERS:
            raise TrainError(OPTIMIZERS.unknown_message(name), field="optimizers")
    if spec is not None:
        for r in plan.ranges:
            if SEARCHABLE.get(r.name).where != "config":
                _layers_to_change(as_spec(spec), SEARCHABLE.get(r.name))


def _coerce(param: Param, value: Any, field: str) -> Any:
    try:
        return param.coerce(value)
    except ValueError as err:
        raise TrainError(str(err), field=field) from None


def _check_range(what: Searchable, r: Range) -> None:
    low, high = _coerce(what.param, r.low, r.name), _coerce(what.param, r.high, r.name)
    if low >= high:
        raise TrainError(f"{what.label}: the range's low end must be below its high end", field=r.name)
    if what.log and low <= 0:
        raise TrainError(
            f"{what.label} is searched on a log scale: its low end must be above 0", field=r.name
        )


def _grid_values(r: Range) -> list:
    what = SEARCHABLE.get(r.name)
    fractions = [i / (GRID_POINTS - 1) for i in range(GRID_POINTS)]
    if what.log:
        values = [r.low * (r.high / r.low) ** f for f in fractions]
    else:
        values = [r.low + (r.high - r.low) * f for f in fractions]
    if what.param.kind == "int":
        return sorted({int(round(v)) for v in values})
    return values


def from_query(query: Mapping[str, Any]) -> tuple[SearchPlan, list[str]]:
    """A plan from a link; bad values keep their default and are reported (one sentence each)."""
    q = {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}
    default, problems = SearchPlan(), []
    values: dict[str, Any] = {}
    for name, param in PLAN_PARAMS.items():
        if name in q:
            try:
                values[name] = param.coerce(q[name])
            except ValueError as err:
                problems.append(f"Link: {err}; using {getattr(default, name)}.")
    if "method" in q:
        if q["method"] in METHODS:
            values["method"] = q["method"]
        else:
            problems.append(f"Link: unknown search method {q['method']!r}; using {default.method}.")
    if "prune" in q:
        values["prune"] = q["prune"] not in ("0", "false", "")
    if "ranges" in q:
        values["ranges"] = _read_ranges(str(q["ranges"]), problems)
    if "optimizers" in q:
        values["optimizers"] = tuple(o for o in str(q["optimizers"]).split(",") if o)
    plan = replace(default, **values)
    try:
        validate(plan)
    except TrainError as err:
        problems.append(f"Link: {err.message}; using the default search.")
        plan = default
    return plan, problems


def _read_ranges(text: str, problems: list[str]) -> tuple[Range, ...]:
    ranges = []
    for item in filter(None, text.split(",")):
        name, _, bounds = item.partition(":")
        low, _, high = bounds.partition(":")
        try:
            ranges.append(Range(name, float(low), float(high)))
        except ValueError:
            problems.append(f"Link: the range {item!r} is not name:low:high; left out.")
    return tuple(ranges)


def trial_setup(spec, cfg: TrainConfig, values: Mapping[str, Any]) -> tuple[ModelSpec, TrainConfig]:
    """The base model and settings with a trial's values put in."""
    spec = as_spec(spec)
    config_values = {
        k: v for k, v in values.items() if k == "optimizer" or SEARCHABLE.get(k).where == "config"
    }
    cfg = replace(cfg, **config_values)
    if "optimizer" in values and values["optimizer"] != cfg.optimizer:
        cfg = replace(cfg, optimizer_options={})  # another optimizer's settings would not fit
    data = spec.to_dict()
    for name, value in values.items():
        if name == "optimizer" or SEARCHABLE.get(name).where == "config":
            continue
        what = SEARCHABLE.get(name)
        for index in _layers_to_change(spec, what):
            data["layers"][index][what.param.name] = value
    return ModelSpec.from_dict(data), cfg


def _layers_to_change(spec: ModelSpec, what: Searchable) -> list[int]:
    """Top-level layers a model-side setting changes: every Dropout for the dropout rate; every Linear but
    the last (whose size the answer fixes) for the width. TrainError when the model has none."""
    indices = [i for i, layer in enumerate(spec.layers) if layer.type == what.where]
    if what.where == "Linear":
        indices = indices[:-1]
    if not indices:
        layer = "a hidden Linear layer" if what.where == "Linear" else f"a {what.where} layer"
        raise TrainError(
            f"{what.label}: the model has no {layer} to change; add one on Build, or search other settings",
            field=what.name,
        )
    return indices
