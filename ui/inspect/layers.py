"""Inspect's "one input, layer by layer": the input and the prediction, then what each layer makes of it
(feature maps, first-layer filters, attention, dense layers)."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.inspect.input import Picked, pick_input


def draw_one_input(held) -> None:
    """One input, layer by layer: the input and prediction, feature maps, filters, attention, dense layers."""
    picked = pick_input(held, key="inspect")
    if picked is None:
        return
    _input_and_prediction(held, picked)
    _convolutions(held, picked.x)
    attention = dlcore.attention_maps(held.model, picked.x)
    if attention:
        st.subheader("Attention")
        st.caption(
            "Each head's attention for this input: row i shows which positions position i gathered "
            "information from. Heads often specialise: one looks at its neighbour, one at the start."
        )
        tokens = [held.class_names[int(t)] for t in picked.x[0]] if held.dataset.vocab_size else None
        for name, weights in attention.items():
            st.plotly_chart(plots.attention_grid(weights, name, tokens), key=f"inspect_attention_{name}")
    dense = dlcore.dense_activations(held.model, picked.x)
    if dense:
        st.subheader("Dense layers")
        st.caption("Each Linear layer's outputs for this input (before its activation). Orange: above zero.")
        last = list(dense)[-1]
        for name, values in dense.items():
            labels = held.class_names if name == last and held.is_classifier else None
            st.plotly_chart(plots.activation_bars(values, name, labels), key=f"inspect_dense_{name}")


def _input_and_prediction(held, picked: Picked) -> None:
    """The input as the model sees it (an image, or a bar per feature) and, for a classifier, its answer."""
    left, right = st.columns([1, 2])
    with left:
        st.markdown(picked.caption)
        if picked.raw is not None:
            st.plotly_chart(plots.image_figure(picked.raw, height=240), key="inspect_input_image")
        else:
            names = list(held.dataset.feature_names)
            st.plotly_chart(plots.input_figure(picked.x[0], names), key="inspect_input_bars")
    with right:
        if held.is_classifier:
            _, probs = dlcore.predict(held.model, picked.x)
            st.plotly_chart(
                plots.probability_bars(probs[0], held.class_names, picked.label), key="inspect_probs"
            )


def _convolutions(held, x) -> None:
    """Each convolution layer's feature maps for input `x`, and the first layer's filters."""
    maps = dlcore.feature_maps(held.model, x)
    if maps:
        st.subheader("Feature maps")
        st.caption(
            "What each convolution layer passes on (after its activation), one small map per "
            "channel, each scaled to its own range: bright = strongly active. Hover for the raw "
            "value."
        )
        for name, values in maps.items():
            st.plotly_chart(plots.feature_map_grid(values, name), key=f"inspect_map_{name}")
    filters = dlcore.first_layer_filters(held.model)
    if filters is not None:
        st.subheader("First-layer filters")
        st.caption(
            "The patterns the first convolution looks for. Red weights add the pixel's brightness, "
            "blue ones subtract it: a red-blue edge detects an edge."
        )
        st.plotly_chart(plots.filter_grid(filters[1], filters[0]), key="inspect_filters")
