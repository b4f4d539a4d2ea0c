"""Choosing the one input the Inspect, Explain and Adversarial pages look at.

From the test split (browse, or only the misclassified ones), drawn on a canvas (one-channel images), or
uploaded (resized and normalised the way the dataset was). Every source ends in the same `Picked`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

import dlcore
from ui.errors import show_error
from ui.inspect.subject import Subject
from ui.state import PICKED_UPLOAD
from ui.uploads import parse_once

SOURCES = {
    "test": "Test set",
    "misclassified": "Misclassified",
    "draw": "Draw",
    "upload": "Upload",
}
CANVAS_PX = 224


@dataclass
class Picked:
    """One input: `x` (1, *input_shape) as the model sees it, `raw` (C, H, W) in [0, 1] to show (images)."""

    x: Any
    raw: Any
    label: int | None  # the true class, when known
    caption: str


def _test_example(held: Subject, index: int, note: str = "") -> Picked:
    ds = held.dataset
    x = ds.test[0][index : index + 1]
    label = int(ds.test[1][index]) if held.is_classifier else None
    raw = ds.denormalize(x)[0] if held.is_image else None
    truth = f", true class **{held.class_names[label]}**" if label is not None else ""
    return Picked(x, raw, label, f"Test example #{index}{truth}{note}")


def pick_input(held: Subject, key: str) -> Picked | None:
    """Widgets to choose an input; returns it, or None (with a hint shown) when none is chosen yet."""
    sources = ["test"]
    if held.is_classifier:
        sources.append("misclassified")
    if held.is_image:
        if held.dataset.input_shape[0] == 1:
            sources.append("draw")
        sources.append("upload")
    source = st.radio(
        "Input",
        sources,
        format_func=SOURCES.get,
        horizontal=True,
        key=f"{key}_source",
        label_visibility="collapsed",
    )
    if source == "test":
        n = len(held.dataset.test[0])
        index = st.number_input(f"Test example (0–{n - 1})", 0, n - 1, 0, key=f"{key}_index")
        return _test_example(held, int(index))
    if source == "misclassified":
        return _pick_misclassified(held, key)
    if source == "draw":
        return _pick_drawn(held, key)
    return _pick_uploaded(held, key)


def _pick_misclassified(held: Subject, key: str) -> Picked | None:
    predicted, probs = held.test_predictions()
    wrong = dlcore.misclassified(predicted, held.dataset.test[1])
    if not wrong:
        st.success(
            "This model gets every test example right: nothing misclassified to show.",
            icon=":material/celebration:",
        )
        return None
    names = held.class_names

    def label(i: int) -> str:
        true, guess = int(held.dataset.test[1][i]), int(predicted[i])
        return f"#{i}: true {names[true]}, predicted {names[guess]} ({float(probs[i, guess]):.0%})"

    index = st.selectbox(
        f"{len(wrong)} misclassified test examples", wrong, format_func=label, key=f"{key}_wrong"
    )
    return _test_example(held, int(index), note=f", predicted **{names[int(predicted[index])]}**")


def _pick_drawn(held: Subject, key: str) -> Picked | None:
    from streamlit_drawable_canvas import st_canvas  # the component loads its frontend on import

    canvas = st_canvas(
        stroke_width=max(10, CANVAS_PX // 9),
        stroke_color="#ffffff",
        background_color="#000000",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"{key}_canvas",
    )
    st.caption(
        "Draw with the mouse, bright on dark like the training images: it is cropped to the ink, scaled, "
        "centred and thickened the way the training images were made."
    )
    pixels = canvas.image_data if canvas is not None else None
    if pixels is None or pixels[..., :3].max() == 0:
        st.info("Draw something on the canvas to see what the network makes of it.", icon=":material/draw:")
        return None
    raw = dlcore.drawing_to_image(pixels, held.dataset)
    return Picked(held.dataset.normalize(raw)[None], raw, None, "Your drawing")


def _pick_uploaded(held: Subject, key: str) -> Picked | None:
    upload = st.file_uploader("A picture (PNG or JPEG)", type=["png", "jpg", "jpeg"], key=f"{key}_upload")
    if upload is None:
        st.info("Upload a picture: it is resized to the dataset's image size and normalised like its images.")
        return None
    parsed = parse_once(upload, lambda f: dlcore.decode_image(f.getvalue()), PICKED_UPLOAD.format(page=key))
    if parsed.error is not None:
        show_error(parsed.error)
        return None
    pixels = parsed.value
    invert = st.toggle(
        "Dark on light: invert it",
        value=dlcore.is_dark_on_light(pixels),
        key=f"{key}_invert_{upload.name}",
        help="The training images are bright on a dark background; a photo of ink on paper is flipped.",
    )
    raw = dlcore.to_input_image(pixels, held.dataset.input_shape, invert=invert)
    return Picked(held.dataset.normalize(raw)[None], raw, None, f"Your picture ({upload.name})")
