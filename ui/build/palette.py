"""Drag and drop on the Build page: a palette of layer cards and the model's list of layers.

streamlit-dnd wires native HTML5 drag and drop onto the keyed children of keyed containers. The palette
holds one keyed container per category (drag sources only); the model is one keyed container whose cards
can be reordered. A drop from the palette inserts a new layer with the catalogue's defaults at the drop
position; the palette itself is redrawn from the catalogue, so its cards never run out.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import streamlit_dnd

import dlcore

MODEL_CONTAINER = "model_layers"
CARD_PREFIX = "palette-"
MODEL_CARD_PREFIX = "card-"


@dataclass(frozen=True)
class Drop:
    """What the user just did: added `layer_type` at `to_index`, or moved a layer (`from_index` set)."""

    to_index: int
    layer_type: str | None = None
    from_index: int | None = None


def palette_key(category: str) -> str:
    return f"palette_{category}"


def categories() -> list[str]:
    """Catalogue categories in the catalogue's own (teaching) order."""
    return list(dict.fromkeys(entry.category for entry in dlcore.layer_catalogue().values()))


def draw_palette() -> None:
    """The layer cards, grouped by category; each card's tooltip is the catalogue's help text."""
    catalogue = dlcore.layer_catalogue()
    for category in categories():
        st.caption(category.title())
        with st.container(key=palette_key(category), horizontal=True, gap="small"):
            for name, entry in catalogue.items():
                if entry.category == category:
                    with st.container(border=True, key=CARD_PREFIX + name, width="content"):
                        st.markdown(f"**{name}**", help=entry.help)


def drag_and_drop() -> Drop | None:
    """Enable the drags (call after the palette and the model's cards are drawn); return the new drop."""
    sources = [palette_key(c) for c in categories()]
    event = streamlit_dnd.dnd(
        *sources,
        MODEL_CONTAINER,
        sources=[*sources, MODEL_CONTAINER],
        destinations=[MODEL_CONTAINER],
        placeholder={MODEL_CONTAINER: "Drag layers from the palette and drop them here"},
        handle=False,
        key="build_dnd",
    )
    if event is None or event.to_container != MODEL_CONTAINER:
        return None
    if event.from_container == MODEL_CONTAINER:
        return Drop(to_index=event.to_index, from_index=event.from_index)
    layer_type = (event.item_key or "").removeprefix(CARD_PREFIX)
    if layer_type not in dlcore.layer_catalogue():
        return None
    return Drop(to_index=event.to_index, layer_type=layer_type)
