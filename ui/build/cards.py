"""The model's cards on the Build page: one per layer with its output shape, edit and remove buttons,
and what is wrong with it; plus the two ways to add layers (a drop from the palette, the select box)."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui.build import model, palette
from ui.errors import error_at_layer, error_elsewhere, show_error
from ui.text import plain


def draw_model_cards(analysis: model.Analysis) -> None:
    """The problem that belongs to no layer, then a card per layer (its problem on it)."""
    spec = model.model_dict()
    top_error = error_elsewhere(analysis.error)
    if not spec["layers"]:
        st.info("An empty model: drag a first layer in from the palette.", icon=":material/left_click:")
    elif top_error is not None:
        show_error(top_error)
    rows = analysis.summary[analysis.summary["depth"] == 0] if analysis.summary is not None else None
    with st.container(key=palette.MODEL_CONTAINER, border=True):
        for index, (layer_id, layer) in enumerate(zip(model.layer_ids(), spec["layers"], strict=True)):
            with st.container(border=True, key=palette.MODEL_CARD_PREFIX + layer_id):
                shape = ""
                if rows is not None and index < len(rows):
                    shape = " → " + "×".join(str(s) for s in rows.iloc[index]["output_shape"])
                _draw_card_row(index, layer_id, f"**{index + 1} · {plain(layer['type'])}**{shape}")
                if layer.get("trainable") is False:
                    st.caption(":material/ac_unit: **Frozen**: training leaves its weights as they are.")
                culprit = error_at_layer(analysis.error, index)
                if culprit is not None:
                    show_error(culprit)


def _draw_card_row(index: int, layer_id: str, title: str) -> None:
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.markdown(title, width="stretch")
        st.button(
            "",
            icon=":material/edit:",
            type="tertiary",
            key=f"edit-{layer_id}",
            help="Edit this layer's parameters",
            on_click=model.select_layer,
            args=(layer_id,),
        )
        st.button(
            "",
            icon=":material/close:",
            type="tertiary",
            key=f"remove-{layer_id}",
            help="Remove this layer",
            on_click=model.remove_layer,
            args=(layer_id,),
        )


def apply_drop() -> None:
    """Enable drag and drop (after the palette and the cards are drawn); a drop edits the model and reruns."""
    drop = palette.drag_and_drop()
    if drop is None:
        return
    if drop.layer_type is not None:
        model.insert_layer(drop.to_index, model.new_layer(drop.layer_type))
    else:
        model.move_layer(drop.from_index, drop.to_index)
    st.rerun()


def draw_add_layer() -> None:
    """A select box and Add: the way to add a layer without dragging."""
    add_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    add_type = add_col.selectbox(
        "Or add a layer at the end", sorted(dlcore.layer_catalogue()), index=None, key="add_type"
    )
    if button_col.button("Add", disabled=add_type is None):
        model.insert_layer(len(model.layer_ids()), model.new_layer(add_type))
        st.rerun()
