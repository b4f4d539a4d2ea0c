"""Widgets generated from Param descriptions: one code path for layer parameters, dataset options and
training hyperparameters, each widget carrying the Param's help text as its tooltip.

A widget's state lives under its key in st.session_state (seeded once from the current value), so edits
survive reruns and page switches. Values are coerced by `Param.coerce`; an invalid entry is reported beside
its widget and the last good value is kept, so nothing the user built is lost.
"""

from __future__ import annotations

import math
import re
from typing import Any

import streamlit as st

from dlcore import Param
from ui.text import plain

_SEPARATORS = re.compile(r"[,\s×x]+")
AUTOMATIC = "automatic"  # what an optional choice left to the engine shows (a select box cannot hold None)
NOT_SET = "empty"  # placeholder of an optional number or list; its help says what empty means


def format_value(param: Param, value: Any) -> Any:
    """The value as its widget holds it (lists of ints are edited as text such as "3, 5")."""
    if param.kind == "choice" and param.optional and value is None:
        return AUTOMATIC
    if param.kind in ("ints", "intlist"):
        if value is None:
            return ""
        if isinstance(value, (list, tuple)):
            return ", ".join(str(v) for v in value)
        return str(value)
    if getattr(param, "multiple", False):
        return list(value or [])
    if param.kind == "float" and value is not None:
        return float(value)
    if param.kind == "int" and value is not None:
        return int(value)
    return value


def parse_value(param: Param, raw: Any) -> Any:
    """Widget value -> the value to coerce (text "3, 5" -> [3, 5]; empty text or "automatic" -> None)."""
    if param.kind == "choice" and param.optional and raw == AUTOMATIC:
        return None
    if param.kind not in ("ints", "intlist"):
        return raw
    text = (raw or "").strip().strip("[]()")
    if not text:
        return None
    parts = [p for p in _SEPARATORS.split(text) if p]
    if param.kind == "ints" and len(parts) == 1:
        return parts[0]
    return parts


def label_for(param: Param) -> str:
    return param.name.replace("_", " ")


def param_widget(param: Param, value: Any, key: str, *, disabled: bool = False) -> Any:
    """Draw the widget for one Param, seeded with `value` the first time; return the widget's raw value.

    Number boxes get no min/max: the browser would keep showing an out-of-range entry while Streamlit
    silently kept another value. The Param's own check refuses it beside the box instead (param_form)."""
    if key not in st.session_state:
        st.session_state[key] = format_value(param, value)
    label = label_for(param)
    common = {"key": key, "help": param.help, "disabled": disabled}
    if param.kind == "bool":
        return st.toggle(label, **common)
    if getattr(param, "multiple", False):  # several of `choices` (e.g. a dataset's input features)
        return st.multiselect(label, list(param.choices), **common)
    if param.kind == "choice":
        # an optional choice offers "automatic" (None) first, so it can always be set back
        options = [None, *param.choices] if param.optional else list(param.choices)
        return st.selectbox(
            label, options, format_func=lambda c: "automatic" if c is None else str(c), **common
        )
    if param.kind == "int":
        return st.number_input(
            label,
            step=1,
            placeholder=NOT_SET if param.optional else None,
            **common,
        )
    if param.kind == "float":
        return st.number_input(
            label,
            step=float_step(param, value),
            format="%g",
            placeholder=NOT_SET if param.optional else None,
            **common,
        )
    placeholder = {"ints": "e.g. 3 or 3, 5", "intlist": "e.g. 1, 28, 28"}.get(param.kind)
    if param.optional:
        placeholder = NOT_SET
    return st.text_input(label, placeholder=placeholder, **common)


def float_step(param: Param, value: Any) -> float:
    """Log-scaled values (a learning rate) step by their order of magnitude: 0.001 -> 0.002."""
    if param.log and isinstance(value, (int, float)) and value > 0:
        return 10.0 ** math.floor(math.log10(value))
    return 0.01 if param.max is not None and param.max <= 1 else 0.1


def param_form(
    params: tuple[Param, ...],
    values: dict[str, Any],
    key_prefix: str,
    *,
    columns: int = 2,
    disabled: bool = False,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Draw a widget per Param, laid out in `columns`; return (values, errors).

    `values` holds each field's coerced value: the new one where the entry is valid, else the previous one
    (from `values`, or the default). `errors` maps a field name to what the student should change.
    """
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if not params:
        return out, errors
    cols = st.columns(min(columns, len(params)))
    for i, param in enumerate(params):
        previous = values.get(param.name, param.default)
        with cols[i % len(cols)]:
            raw = param_widget(param, previous, f"{key_prefix}.{param.name}", disabled=disabled)
            try:
                out[param.name] = param.coerce(parse_value(param, raw))
            except ValueError as err:
                errors[param.name] = str(err)
                out[param.name] = previous
                st.error(plain(err), icon=":material/edit:")
    return out, errors


def differs(value: Any, default: Any) -> bool:
    """Whether a coerced value differs from a Param default (tuples and lists compare by content)."""
    if isinstance(value, (list, tuple)) and isinstance(default, (list, tuple)):
        return list(value) != list(default)
    return value != default


def forget_widgets(key_prefix: str) -> None:
    """Drop the widget state under `key_prefix` so the next draw re-seeds it (after a preset or upload)."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(key_prefix + ".")]:
        del st.session_state[key]
