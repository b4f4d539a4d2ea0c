"""The Search section's plan in this tab: a frozen `dlcore.search.SearchPlan` held by a PageState (in the
link beside the Runs page's view), and its form: the settings to vary and their ranges, the optimizers
to try, the method, the budget."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from ui.forms import float_step
from ui.state import SEARCH_PLAN, PageState, bind

search = dlcore.search
PLAN: PageState[dlcore.search.SearchPlan] = PageState(
    SEARCH_PLAN, search.from_query, search.SearchPlan.to_query, search.validate
)
LABELS = {name: entry.label for name, entry in search.SEARCHABLE.items()}
BUDGET_LABELS = {"trials": "Trials", "epochs": "Epochs per trial", "minutes": "Time limit (minutes)"}
WHERE_HELP = "Hidden units: every hidden Linear layer's size. Dropout rate: every Dropout layer's p."


def _settings_change(plan, names: list[str]):
    kept = {r.name: r for r in plan.ranges}
    return dataclasses.replace(plan, ranges=tuple(kept.get(n) or search.start_range(n) for n in names))


def _bound_change(name: str, end: str):
    def change(plan, value):
        ranges = tuple(dataclasses.replace(r, **{end: value}) if r.name == name else r for r in plan.ranges)
        return dataclasses.replace(plan, ranges=ranges)

    return change


def _field_change(field: str):
    return lambda plan, value: dataclasses.replace(plan, **{field: value})


def draw_plan_form(*, disabled: bool) -> None:
    """The plan's widgets, bound to the PageState (a change it refuses shows as a notice)."""
    plan = PLAN.current()
    what, method = st.columns([2.6, 1])
    with what:
        bind("search.settings", [r.name for r in plan.ranges])
        st.pills(
            "Settings to search",
            list(LABELS),
            selection_mode="multi",
            format_func=LABELS.get,
            help=WHERE_HELP,
            disabled=disabled,
            **PLAN.on_change("search.settings", _settings_change),
        )
    with method:
        bind("search.method", plan.method)
        st.selectbox(
            "Method",
            list(search.METHODS),
            format_func=lambda m: search.METHODS[m].split(":")[0],
            help="\n\n".join(search.METHODS.values()),
            disabled=disabled,
            **PLAN.on_change("search.method", _field_change("method")),
        )
    bind("search.optimizers", list(plan.optimizers))
    st.pills(
        "Optimizers to try (none: the run's own)",
        dlcore.OPTIMIZERS.names(),
        selection_mode="multi",
        disabled=disabled,
        **PLAN.on_change("search.optimizers", lambda p, v: dataclasses.replace(p, optimizers=tuple(v))),
    )
    _draw_ranges(plan, disabled)
    _draw_budget(plan, disabled)


def _draw_ranges(plan, disabled: bool) -> None:
    if not plan.ranges:
        return
    for column, r in zip(st.columns(max(4, len(plan.ranges))), plan.ranges, strict=False):
        entry = search.SEARCHABLE.get(r.name)
        scale = " Searched on a log scale: values spread evenly over powers of ten." if entry.log else ""
        with column:
            for end, word in (("low", "from"), ("high", "to")):
                key = f"search.{r.name}.{end}"
                bind(key, getattr(r, end))
                st.number_input(
                    f"{entry.label} {word}",
                    **_number_format(entry.param, getattr(r, end)),
                    help=entry.param.help + scale,
                    disabled=disabled,
                    **PLAN.on_change(key, _bound_change(r.name, end)),
                )


def _number_format(param, value) -> dict:
    """A number box's step and format: whole numbers step by 1; a learning rate by its order of magnitude."""
    if param.kind == "int":
        return {"step": 1, "format": "%d"}
    return {"step": float_step(param, value), "format": "%g"}


def _draw_budget(plan, disabled: bool) -> None:
    columns = st.columns(4, vertical_alignment="bottom")
    for column, field in zip(columns, ("trials", "epochs", "minutes"), strict=False):
        param = search.PLAN_PARAMS[field]
        with column:
            bind(f"search.{field}", getattr(plan, field))
            st.number_input(
                BUDGET_LABELS[field],
                **_number_format(param, getattr(plan, field)),
                help=param.help,
                disabled=disabled,
                **PLAN.on_change(f"search.{field}", _field_change(field)),
            )
    with columns[3]:
        bind("search.prune", plan.prune)
        st.toggle(
            "Prune poor trials",
            disabled=disabled,
            help="Stop a trial whose validation score falls below the median of earlier trials at the "
            "same epoch (Optuna's median pruner): the budget goes to promising ones.",
            **PLAN.on_change("search.prune", _field_change("prune")),
        )
