"""Widgets bound to a tab's state: one per Param, in a row, each change replacing the state whole."""

from __future__ import annotations

import dataclasses

import streamlit as st

from dlcore import Param
from ui.forms import label_for
from ui.state import PageState, bind


def param_row(page_state: PageState, params: tuple[Param, ...], key: str) -> None:
    """A widget per Param of the state held by `page_state`, side by side; a value its Param refuses is
    refused with a notice naming the field, and the state stays as it was."""
    state = page_state.current()
    for column, param in zip(st.columns(len(params)), params, strict=True):
        with column:
            param_widget(page_state, param, getattr(state, param.name), f"{key}.{param.name}")


def param_widget(page_state: PageState, param: Param, value, key: str) -> None:
    bind(key, value)
    common = {"help": param.help, **page_state.on_change(key, _set(param))}
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
