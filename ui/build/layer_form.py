"""The selected layer's parameters on the Build page: a form from the catalogue, a block's inner layers."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.build.state import BUILD
from ui.errors import show_error
from ui.text import plain


def draw_layer_form() -> None:
    """The form of the selected layer (or how to select one); its changes go into the model."""
    selected = model.selected_layer_id()
    if selected is None:
        st.info("Click :material/edit: on a layer to set its parameters.", icon=":material/left_click:")
        return
    index = model.layer_ids().index(selected)
    layer = model.model_dict()["layers"][index]
    entry = dlcore.layer_catalogue().get(layer["type"])
    st.subheader(f"Layer {index + 1}: {plain(layer['type'])}")
    if entry is None:
        show_error(f"'{layer['type']}' is not a known layer type: remove it and add one from the palette.")
        return
    st.caption(entry.help)
    switch = (dlcore.TRAINABLE_PARAM,) if entry.learns else ()  # freezing a layer with no weights is moot
    trainable, _ = forms.param_form(switch, layer, key_prefix=selected, columns=1)
    values, _ = forms.param_form(entry.params, layer, key_prefix=selected)
    values.update(trainable)
    # keep the spec short: only values the layer had or the student changed from the default
    defaults = {p.name: p.default for p in entry.params + switch}
    model.update_layer(
        selected, {k: v for k, v in values.items() if k in layer or forms.differs(v, defaults[k])}
    )
    if "layers" in layer:
        _draw_inner_layers(selected, layer["layers"])


def _draw_inner_layers(layer_id: str, inner: list[Any]) -> None:
    """A block's layers as JSON text; text that is not a list of layers is explained, the last good kept."""
    st.caption("Layers inside this block (JSON, same form as the model's layers):")
    text = st.text_area("inner layers", json.dumps(inner, indent=1), key=f"{layer_id}.layers", height=180)
    try:
        changed = model.layer_change(layer_id, {"layers": json.loads(text)})
        BUILD.validate(changed)
    except json.JSONDecodeError as err:
        st.error(
            f"The block's layers stop being valid JSON at line {err.lineno}, column {err.colno}: "
            "fix that spot (the last good version is kept)."
        )
    except dlcore.DlcoreError as err:  # JSON, but not layers: e.g. a layer without a type
        st.error(plain(f"{err.message} (the last good version is kept)."))
    except (RecursionError, ValueError):  # brackets nested hundreds deep; thousands of digits
        st.error("The block's layers are not a list of layers: the last good version is kept.")
    else:
        BUILD.replace(changed)
