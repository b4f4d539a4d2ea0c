"""Why this prediction? Attributions of one input by the chosen methods, side by side."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui.explain.maps import METHODS, SIGNED, UNSIGNED, method_help, show_maps
from ui.inspect.input import pick_input

DEFAULT_METHODS = ["saliency", "integrated_gradients", "smoothgrad", "grad_cam"]


def draw_why(held, available: list[str], conv_layers: list[str]):
    """Attributions for one input by the chosen methods; returns the input (the sanity check reuses it)."""
    picked = pick_input(held, key="explain")
    if picked is None:
        return None
    c1, c2, c3 = st.columns([2, 3, 2])
    target = pick_class(c1, held, picked)
    # Pills that wrap: every method one click away, its name in full (a multiselect scrolled its chips).
    chosen = c2.pills(
        "Methods",
        available,
        selection_mode="multi",
        wrap=True,
        default=[n for n in DEFAULT_METHODS if n in available] or available[:3],
        format_func=lambda n: METHODS[n].title,
        key="explain_methods",
    )
    layer = pick_layer(c3, chosen, conv_layers)
    overlay = held.is_image and c3.toggle(
        "Over the picture", value=True, key="explain_overlay", help="Off: the maps alone, on a white ground"
    )
    maps, problems = dlcore.attributions.attribute(held.model, picked.x, target, chosen, layer)
    for problem in problems:
        st.warning(problem, icon=":material/warning:")
    title = f"Evidence for class {held.class_names[target]}"
    show_maps(held, picked.raw, picked.x, maps, title, "explain_grid", SIGNED, overlay)
    if picked.raw is not None and maps:
        st.caption(
            "Red: raised the score of this class; blue: lowered it (signed methods). "
            f"{', '.join(UNSIGNED[:-1])} and {UNSIGNED[-1]} show how much, not which way (darker = more). "
            "Each map is scaled to its own maximum; over the picture, the colour fades out where a method "
            "sees nothing."
        )
    method_help()
    return picked


def pick_class(column, held, picked) -> int:
    """What the model says about the input, and the class to explain (the predicted one by default)."""
    predicted, probability = dlcore.attributions.top_class(held.model, picked.x)
    names = held.class_names
    column.markdown(f"{picked.caption}  \nThe model says **{names[predicted]}** ({probability:.0%}).")
    choice = column.selectbox(
        "Explain the class",
        ["predicted"] + names,
        format_func=lambda c: f"predicted ({names[predicted]})" if c == "predicted" else c,
        key="explain_class",
    )
    return predicted if choice == "predicted" else names.index(choice)


def pick_layer(column, chosen: list[str], conv_layers: list[str]) -> str | None:
    """The convolution layer Grad-CAM and HiResCAM look at, offered only when one of them is chosen."""
    layer_methods = [METHODS[n].title for n in chosen if METHODS[n].needs_conv_layer]
    if not (conv_layers and layer_methods):
        return None
    return column.selectbox(
        f"{' and '.join(layer_methods)} layer",
        conv_layers,
        index=len(conv_layers) - 1,
        key="explain_layer",
        help="Early layers give sharp maps of simple patterns; the last one is the usual choice.",
    )
