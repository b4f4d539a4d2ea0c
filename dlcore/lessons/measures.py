"""What a claim or a challenge measures on a run, and the conditions that compare the numbers.

A condition's `value` (and a `bound` that is not a number) names a measure:
- "a.test_loss": the measure `test_loss` of the claim's run `a` (in a challenge, just "test_loss": the
  student's run);
- {"run": "a", "measure": "grad_norm", "layer": 0}: a measure with arguments.
Measures are registered by name with `register_measure`; each takes a RunResult (and its arguments) and
returns a float. Losses of a diverged run are +inf, so "the loss stays below x" fails for it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from dlcore.errors import DlcoreError, excerpt
from dlcore.lessons.lesson import OPS, Condition
from dlcore.lessons.runs import RunResult

Measure = Callable[..., float]
MEASURES: dict[str, tuple[Measure, str]] = {}  # name -> (function, what it is, for people)


def register_measure(name: str, about: str) -> Callable[[Measure], Measure]:
    """Decorator: `fn(result, **args) -> float` is the measure `name`; `about` says what it is."""

    def add(fn: Measure) -> Measure:
        MEASURES[name] = (fn, about)
        return fn

    return add


def _final(name: str, worst: float) -> Measure:
    def measure(result: RunResult) -> float:
        if result.diverged:
            return worst
        if name not in result.final:
            raise DlcoreError(f"this run has no {name} (its task has none)")
        return float(result.final[name])

    return measure


for _name, _about, _worst in (
    ("train_loss", "the loss on the training split at the end", math.inf),
    ("test_loss", "the loss on the test split at the end", math.inf),
    ("train_accuracy", "the share of training examples classified right at the end", 0.0),
    ("test_accuracy", "the share of test examples classified right at the end", 0.0),
):
    register_measure(_name, _about)(_final(_name, _worst))


@register_measure("diverged", "1 if the loss became NaN/Inf and training stopped, else 0")
def _diverged(result: RunResult) -> float:
    return float(result.diverged)


@register_measure("parameters", "the number of weights and biases the model learns")
def _parameters(result: RunResult) -> float:
    return float(sum(p.numel() for p in result.model.parameters() if p.requires_grad))


@register_measure("hidden_layers", "the number of layers with weights, less the output layer")
def _hidden_layers(result: RunResult) -> float:
    weighted = [m for m in result.model.modules() if isinstance(m, nn.Linear | nn.Conv1d | nn.Conv2d)]
    return float(max(0, len(weighted) - 1))


@register_measure("epochs", "the number of epochs the run trained")
def _epochs(result: RunResult) -> float:
    return float(result.history["epoch"].max()) if len(result.history) else 0.0


@register_measure("best", "the best value a metric of the epoch history reached (args: metric, mode min/max)")
def _best(result: RunResult, metric: str, mode: str = "max") -> float:
    if metric not in result.history:
        raise DlcoreError(f"the run recorded no {excerpt(metric)} ({', '.join(result.history.columns)})")
    values = result.history[metric].dropna()
    if values.empty:
        return math.nan
    return float(values.max() if mode == "max" else values.min())


@register_measure(
    "grad_norm",
    "the mean gradient norm of one layer over the run (args: layer, its index among the layers with "
    "weights, 0 = first, -1 = last)",
)
def _grad_norm(result: RunResult, layer: int) -> float:
    layers = list(dict.fromkeys(result.grad_norms["layer"]))
    if not -len(layers) <= layer < len(layers):
        raise DlcoreError(f"there is no layer {layer} with weights ({len(layers)} of them)")
    rows = result.grad_norms[result.grad_norms["layer"] == layers[layer]]
    return float(rows["grad_norm"].mean())


# ---------------------------------------------------------------- conditions


@dataclass(frozen=True)
class Outcome:
    """One condition as measured: `text` says it with the numbers, e.g. "a.test_loss = 0.412 > 0.3"."""

    condition: Condition
    value: float
    bound: float
    passed: bool
    text: str


def measure(ref: Any, results: Mapping[str, RunResult], default_run: str | None = None) -> float:
    """The value `ref` names (see the module docstring) on `results` (run name -> RunResult)."""
    if isinstance(ref, int | float) and not isinstance(ref, bool):
        return float(ref)
    if isinstance(ref, str):
        run, _, name = ref.rpartition(".")
        ref = {"run": run or default_run, "measure": name}
    if not isinstance(ref, dict) or "measure" not in ref:
        raise DlcoreError(f'{excerpt(ref)} is not a measure (e.g. "a.test_loss")')
    run = ref.get("run") or default_run
    if run not in results:
        raise DlcoreError(f"there is no run {excerpt(run)} ({', '.join(results)})")
    if ref["measure"] not in MEASURES:
        raise DlcoreError(f"{excerpt(ref['measure'])} is not a measure ({', '.join(MEASURES)})")
    args = {key: value for key, value in ref.items() if key not in ("run", "measure")}
    try:
        return float(MEASURES[ref["measure"]][0](results[run], **args))
    except TypeError as err:
        raise DlcoreError(f"measure '{ref['measure']}': {err}") from None


def describe(ref: Any) -> str:
    """A short name of what `ref` measures, for the outcome's text."""
    if isinstance(ref, dict):
        args = ", ".join(f"{k}={v}" for k, v in ref.items() if k not in ("run", "measure"))
        name = f"{ref.get('run')}.{ref.get('measure')}" if ref.get("run") else str(ref.get("measure"))
        return f"{name}({args})" if args else name
    return f"{ref:g}" if isinstance(ref, float | int) else str(ref)


def judge(condition: Condition, results: Mapping[str, RunResult], default_run: str | None = None) -> Outcome:
    value = measure(condition.value, results, default_run)
    bound = measure(condition.bound, results, default_run) * condition.times
    passed = {
        "above": value > bound,
        "below": value < bound,
        "at_least": value >= bound,
        "at_most": value <= bound,
    }[condition.op]
    right = describe(condition.bound)
    if condition.times != 1.0:
        right = f"{condition.times:g} × {right}"
    if not isinstance(condition.bound, int | float):
        right += f" = {bound:.4g}"
    text = f"{describe(condition.value)} = {value:.4g} {OPS[condition.op]} {right}"
    return Outcome(condition, value, bound, passed, text)
