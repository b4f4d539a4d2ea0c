"""The learning-rate finder and the schedules' plans, for the model on Build and the Train page's setup:
the sweep runs on a fresh copy (dlcore.learning.lr_find), one click puts its suggestion into the Train
settings (ui.train.state, the Train page's own PageState)."""

from __future__ import annotations

import dataclasses
import json

import streamlit as st

import dlcore
from dlcore import plots
from ui.build import model
from ui.errors import show_error
from ui.learning.state import LEARNING, current
from ui.state import LEARNING_FINDING, bind
from ui.train import dataset as data
from ui.train import state as train_state
from ui.train.run import setup_of
from ui.train.settings import make_config, run_summary

KEY = "learning.finder"


def _setup() -> str:
    """What a finding was made from (the model, the data, the settings, the sweep) as one text."""
    train, state = train_state.current(), current()
    return json.dumps(
        [
            model.model_dict(),
            train.dataset,
            dict(train.data_options),
            train_state.settings(),
            state.finder_start,
            state.finder_end,
        ],
        sort_keys=True,
        default=str,
    )


def _find() -> None:
    """Run the sweep now (on Build's model with Train's data and settings) and keep what it found."""
    settings, state = train_state.settings(), current()
    try:
        dataset = data.load_dataset()
        cfg = make_config(settings)
        setup = setup_of(model.model_dict(), dataset, cfg)
        value = dlcore.learning.lr_find(
            setup, dataset, cfg, start_lr=state.finder_start, end_lr=state.finder_end
        )
    except dlcore.DlcoreError as err:
        value = err
    st.session_state[LEARNING_FINDING] = {"setup": _setup(), "value": value}


def _use(lr: float) -> None:
    train_state.set_setting("lr", float(f"{lr:.2g}"))
    st.toast(f"The Train page's learning rate is now {lr:.2g}.", icon=":material/check:")


def _sweep_box(column, label: str, field: str, value: float) -> None:
    key = f"{KEY}.{field}"
    bind(key, value)
    change = lambda state, v: dataclasses.replace(state, **{field: v})  # noqa: E731
    column.number_input(label, format="%g", step=value, **LEARNING.on_change(key, change))


def draw_finding(finding: dlcore.learning.LrFinding) -> None:
    """The curve, the suggestion with its rule and the button that uses it (or why there is none)."""
    curve, verdict = st.columns([3, 2])
    curve.plotly_chart(plots.lr_finder_figure(finding), key=f"{KEY}.figure", config={"displayModeBar": False})
    with verdict:
        if finding.problem is not None:
            show_error(f"No suggestion: {finding.problem}.")
            return
        st.metric("Suggested learning rate", f"{finding.suggestion:.2g}")
        ending = (
            "The sweep stopped early, when the loss exploded."
            if finding.stopped_early
            else "The loss never exploded: the sweep may end too low."
        )
        st.caption(f"Rule: {finding.rule}. {ending}")
        st.button(
            f"Use {finding.suggestion:.2g} on the Train page",
            key=f"{KEY}.use",
            type="primary",
            on_click=_use,
            args=(finding.suggestion,),
            icon=":material/input:",
        )


def draw_schedules() -> None:
    """Every schedule's learning rate along the planned run, the chosen one bold (before training starts)."""
    settings = train_state.settings()
    try:
        cfg = make_config(settings)
        size = len(data.load_dataset().train[0])
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    curves = dlcore.learning.planned_lrs(cfg, size)
    labels = {name: name.replace("_", " ") for name in curves}
    epochs = f"{cfg.epochs} epochs" if cfg.epochs else "10 epochs (the run has no end set)"
    st.caption(
        f"The learning rate along the run the Train page plans: lr {cfg.lr:g}, {epochs}, "
        f"batch {cfg.batch_size} ({len(next(iter(curves.values())))} steps)."
    )
    st.plotly_chart(
        plots.schedule_figure(curves, cfg.schedule, labels),
        key=f"{KEY}.schedules",
        config={"displayModeBar": False},
    )


def draw_lr_finder() -> None:
    """The finder's tab."""
    state = current()
    try:
        summary = run_summary(model.model_dict(), data.load_dataset(), train_state.settings())
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    st.caption(f"On a fresh copy (the same seed, the network Start would train): {summary}")
    start, end, go = st.columns([1, 1, 1.4], vertical_alignment="bottom")
    _sweep_box(start, "Sweep from", "finder_start", state.finder_start)
    _sweep_box(end, "to", "finder_end", state.finder_end)
    go.button(
        "Find a learning rate",
        key=f"{KEY}.run",
        type="primary",
        on_click=_find,
        icon=":material/search:",
        width="stretch",
    )
    held = st.session_state.get(LEARNING_FINDING)
    if held is not None and held["setup"] == _setup():
        if isinstance(held["value"], dlcore.DlcoreError):
            show_error(held["value"])
        else:
            draw_finding(held["value"])
    with st.expander(
        "The learning-rate schedules for these settings", expanded=held is None, icon=":material/show_chart:"
    ):
        draw_schedules()
