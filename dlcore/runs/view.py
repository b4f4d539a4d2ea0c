"""The Runs page's state and tables, without Streamlit: what is filtered and ticked (a RunsView that
round-trips through the link), the table of runs, their settings side by side, and the Train page's
state that reopens a run.

    ?q=spiral&status=finished&mine=1&runs=3,5&section=compare&metric=val_accuracy
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from dlcore.errors import RunError, excerpt
from dlcore.runs.store import RunRecord
from dlcore.training.config import TrainConfig
from dlcore.training.link import TrainState

STATUSES = ("all", "running", "paused", "queued", "finished", "stopped", "failed", "interrupted")
MAX_TICKED = 12  # runs overlaid at once: beyond a dozen curves a chart is unreadable
MAX_SEARCH = 100
DEFAULT_SECTION = "compare"
DEFAULT_METRIC = "val_loss"
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,60}$")  # a section's key, a metric's column


@dataclass(frozen=True)
class RunsView:
    """What the Runs page shows: the runs whose name, model, dataset or person contain `search`, of one
    `status` ("all": every one), only this tab's (`mine`); the runs `ticked` (ids, in the order ticked);
    the open `section` (a key of ui.runs.sections); the `metric` whose curves are overlaid."""

    search: str = ""
    status: str = "all"
    mine: bool = False
    ticked: tuple[int, ...] = ()
    section: str = DEFAULT_SECTION
    metric: str = DEFAULT_METRIC

    def tick(self, shown: Sequence[int], chosen: Iterable[int]) -> RunsView:
        """Ticked runs after the table showing `shown` has `chosen` ticked: runs ticked but filtered out
        of the table stay ticked; the newest ticks come last; at most MAX_TICKED (the oldest go)."""
        chosen = list(chosen)
        kept = [i for i in self.ticked if i not in shown or i in chosen]
        added = [i for i in chosen if i not in kept]
        return replace(self, ticked=tuple((kept + added)[-MAX_TICKED:]))


def validate(view: RunsView) -> None:
    """RunError naming the field of a value the page cannot hold."""
    if view.status not in STATUSES:
        raise RunError(f"unknown status {excerpt(view.status)}; one of {', '.join(STATUSES)}", field="status")
    if len(view.search) > MAX_SEARCH:
        raise RunError(f"a search is at most {MAX_SEARCH} characters", field="search")
    if len(view.ticked) > MAX_TICKED or any(not isinstance(i, int) or i < 1 for i in view.ticked):
        raise RunError(f"tick at most {MAX_TICKED} runs, by their numbers", field="runs")
    for name in ("section", "metric"):
        if not _NAME.match(getattr(view, name)):
            raise RunError(f"{excerpt(getattr(view, name))} is not a {name} name", field=name)


def to_query(view: RunsView) -> dict[str, str]:
    """The view as query parameters, only what differs from a new tab's."""
    fresh = _query(RunsView())
    return {key: value for key, value in _query(view).items() if value != fresh[key]}


def _query(view: RunsView) -> dict[str, str]:
    return {
        "q": view.search,
        "status": view.status,
        "mine": "1" if view.mine else "",
        "runs": ",".join(str(i) for i in view.ticked),
        "section": view.section,
        "metric": view.metric,
    }


def from_query(query: Mapping[str, Any]) -> tuple[RunsView, list[str]]:
    """A view from query parameters, and a sentence per value that could not be used (it keeps its
    default). Other pages' parameters are left alone."""
    q = {key: (value[-1] if isinstance(value, list) else value) for key, value in query.items()}
    problems: list[str] = []
    view = RunsView()
    changes = {
        "search": lambda: str(q["q"])[:MAX_SEARCH],
        "status": lambda: str(q["status"]),
        "mine": lambda: str(q["mine"]) in ("1", "true"),
        "ticked": lambda: _ids(str(q["runs"])),
        "section": lambda: str(q["section"]),
        "metric": lambda: str(q["metric"]),
    }
    params = {"search": "q", "status": "status", "mine": "mine", "ticked": "runs"}
    for field, read in changes.items():
        param = params.get(field, field)
        if param not in q:
            continue
        try:
            candidate = replace(view, **{field: read()})
            validate(candidate)
            view = candidate
        except (RunError, ValueError) as err:
            problems.append(f"Link: '{param}': {getattr(err, 'message', err)}; ignored.")
    return view, problems


def _ids(text: str) -> tuple[int, ...]:
    if not text.strip():
        return ()
    return tuple(dict.fromkeys(int(part) for part in text.split(",")))


def shown(runs: Iterable[RunRecord], view: RunsView, owner: str) -> list[RunRecord]:
    """The runs the table shows under `view` for the tab `owner`."""
    words = view.search.lower().split()

    def matches(run: RunRecord) -> bool:
        text = f"{run.name} {run.model_name} {run.dataset} {run.who} {run.recipe}".lower()
        return all(word in text for word in words)

    return [
        run
        for run in runs
        if (view.status == "all" or run.status == view.status)
        and (not view.mine or run.owner == owner)
        and matches(run)
    ]


TABLE_COLUMNS = (
    "id",
    "name",
    "status",
    "model",
    "dataset",
    "best val. accuracy",
    "best val. loss",
    "parameters",
    "time (s)",
    "who",
    "started",
)


def runs_table(runs: Sequence[RunRecord]) -> pd.DataFrame:
    """One row per run, in TABLE_COLUMNS: numbers stay numbers, so the table sorts them as numbers."""
    rows = [
        {
            "id": run.id,
            "name": run.name,
            "model": run.model_name,
            "dataset": run.dataset,
            "best val. accuracy": run.best.get("val_accuracy", run.best.get("val_r2")),
            "best val. loss": run.best.get("val_loss"),
            "parameters": run.parameters,
            "time (s)": round(run.duration_s, 1),
            "status": run.status,
            "who": run.who,
            "started": run.started.replace(tzinfo=None),
        }
        for run in runs
    ]
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return frame.astype({"best val. accuracy": float, "best val. loss": float})


def settings(run: RunRecord) -> dict[str, str]:
    """Everything that set a run up, flat and readable: the data and its options, the model of each role,
    the recipe and every training setting, as setting -> text."""
    flat = {"data": run.dataset}
    flat.update({f"data.{key}": _text(value) for key, value in sorted(run.options.items())})
    for role, spec in run.models.items():
        flat[f"model ({role})" if len(run.models) > 1 else "model"] = layers_text(spec)
    flat["parameters"] = f"{run.parameters:,}"
    flat["recipe"] = run.recipe
    flat.update(
        {f"recipe.{key}": _text(value) for key, value in sorted(run.setup.get("options", {}).items())}
    )
    for key, value in run.config.items():
        if isinstance(value, Mapping):
            flat.update({f"{key}.{name}": _text(v) for name, v in sorted(value.items())})
        elif key != "recipe_options":
            flat[key] = _text(value)
    flat["device"] = run.device
    return flat


def settings_diff(runs: Sequence[RunRecord], everything: bool = False) -> pd.DataFrame:
    """The runs' settings side by side (a column per run, "#id": the curves' legend names them), only those
    that differ unless `everything`; a setting one run lacks shows as "—"."""
    columns = {f"#{run.id}": settings(run) for run in runs}
    names = list(dict.fromkeys(name for values in columns.values() for name in values))
    frame = pd.DataFrame({label: [values.get(n, "—") for n in names] for label, values in columns.items()})
    frame.index = pd.Index(names, name="setting")
    if not everything and len(runs) > 1:
        frame = frame[frame.nunique(axis=1) > 1]
    return frame


def layers_text(spec: Mapping[str, Any]) -> str:
    """A model spec in one line: "Flatten → Linear(64) → ReLU → Linear(10)"."""
    parts = []
    for layer in spec.get("layers", []):
        size = next((layer[k] for k in ("out_features", "out_channels", "hidden_size") if k in layer), None)
        parts.append(f"{layer.get('type', '?')}({size})" if size is not None else str(layer.get("type", "?")))
    return " → ".join(parts) or "no layers"


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return "—" if value is None else str(value)


def metric_choices(frames: Iterable[pd.DataFrame]) -> list[str]:
    """The metrics the runs' curves can show (validation scores first), those any of them logged."""
    names = dict.fromkeys(c for frame in frames for c in frame.columns if c not in ("step", "epoch", "count"))
    return sorted(names, key=lambda name: (not name.startswith("val_"), not name.endswith("loss"), name))


def train_state(run: RunRecord) -> TrainState:
    """The Train page's state that sets the run up again: its data and options, its settings (those the
    run did not keep take their defaults), and, for a recipe with several models, the role on Build (the
    run's main one) and the others' models."""
    defaults = TrainConfig().to_dict()
    kept = {key: value for key, value in run.config.items() if key in defaults and value is not None}
    several = len(run.models) > 1
    partners = {role: spec for role, spec in run.models.items() if role != run.main_role} if several else {}
    return TrainState(
        run.dataset, dict(run.options), {**defaults, **kept}, run.main_role if several else "", partners
    )
