"""Widgets bound to a tab's state: one per Param, in a row, each change replacing the state whole."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from dlcore import Param
from ui.forms import label_for
from ui.state import PageState, bind

Change = Callable[[Any, Any], Any]  # (state, the widget's new value) -> the new state


def param_row(
    page_state: PageState, params: tuple[Param, ...], key: str, changes: Mapping[str, Change] | None = None
) -> None:
    """A widget per Param of the state held by `page_state`, side by side; a value its Param refuses is
    refused with a notice naming the field, and the state stays as it was. `changes`: by Param name, how
    a new value changes the state when it changes more than that field."""
    state = page_state.current()
    changes = changes or {}
    for column, param in zip(st.columns(len(params)), params, strict=True):
        with column:
            change = changes.get(param.name)
            param_widget(page_state, param, getattr(state, param.name), f"{key}.{param.name}", change)


def param_widget(page_state: PageState, param: Param, value, key: str, change: Change | None = None) -> None:
    bind(key, value)
    common = {"help": param.help, **page_state.on_change(key, change or _set(param))}
    label = label_for(param)
    if param.kind == "choice":
        st.selectbox(label, param.choices, **common)
    elif param.kind == "str":
        st.text_input(label, **common)
    elif param.kind == "bool":
        st.toggle(label, **common)
    elif param.kind == "int" and param.max - param.min <= 500:
        st.slider(label, int(param.min), int(param.max), step=1, **common)
    else:
        whole = param.kind == "int"
        st.number_input(label, step=1 if whole else None, format=None if whole else "%g", **common)


def _set(param: Param):
    # The tab's validate (its Params' own checks) refuses a bad value with a notice; the state stays.
    return lambda state, value: dataclasses.replace(state, **{param.name: value})
