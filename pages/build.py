"""Build: drag layers into a model, set their parameters, and see shapes and parameter counts live."""

import streamlit as st

from ui.build import cards, export, files, header, layer_form, model, palette, presets, shapes
from ui.build.state import BUILD
from ui.frame import require_frame
from ui.style import inject_css
from ui.text import plain

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

PALETTE_HEIGHT_PX = 620

st.title(":material/construction: Build a network")
st.caption(
    "Drag layer cards from the palette into your model, click a layer to set its parameters, and watch "
    "the tensor shapes flow. Everything here is real PyTorch: press **Show PyTorch code** to see it."
)
for notice in BUILD.take_notices():  # a link that could not be opened, an edit that was refused
    st.warning(plain(notice), icon=":material/link_off:")
presets.draw_presets()

selected = model.selected_layer_id()
inject_css(palette.MODEL_CARD_PREFIX + selected if selected else None)
palette_col, model_col, detail_col = st.columns([1.25, 1.4, 1.45], gap="medium")

# Inputs that change the model are drawn first, so the cards and shapes below show this run's model.
with model_col:
    header.draw_header()
with detail_col:
    totals = st.container()
    layer_form.draw_layer_form()

analysis = model.analyse(model.model_dict())
frozen = analysis.frozen_params
totals.metric(
    "Trainable parameters",
    f"{analysis.total_params - frozen:,}",
    f"{frozen:,} frozen" if frozen else None,
    delta_color="off",
    delta_arrow="off",
)
with model_col:
    cards.draw_model_cards(analysis)
with palette_col:
    st.subheader("Palette")
    # scrolls on its own, so every card can be dragged to the model without scrolling the page mid-drag
    with st.container(height=PALETTE_HEIGHT_PX, border=False):
        palette.draw_palette()
cards.apply_drop()
with model_col:
    cards.draw_add_layer()

if analysis.summary is not None:
    shapes.draw_diagram(analysis)
    with detail_col:
        shapes.draw_table(analysis)

with st.expander("Show PyTorch code"):
    export.draw_code(analysis)

st.subheader("Save and load")
files.draw_save_and_load()

BUILD.sync_url()  # after every edit of this run: the address bar is a link to this model
