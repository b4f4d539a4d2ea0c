"""The cheating model: a CNN trained with a spurious corner mark beside an honest one; where each looks."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.explain.lesson_models import ensure_lesson_models
from ui.explain.maps import SIGNED

LESSON_METHODS = ["saliency", "integrated_gradients", "grad_cam", "hirescam"]


def draw_lesson() -> None:
    """The cheating-model lesson: a cue-trained and an honest CNN, where each one looks."""
    st.markdown(
        "In the **shapes** dataset with `spurious_cue` on, a small white square in a corner gives the class "
        "away in every training image — but in the test images it sits in a random corner. A network takes "
        "the shortcut. Train two identical CNNs, one with the cue and one without, and see where each one "
        "looks."
    )
    lesson = ensure_lesson_models("explain_lesson_train")
    if lesson is None:
        return
    models = {
        "Cheater (trained with the cue)": lesson["cheater"],
        "Honest (trained without)": lesson["honest"],
    }
    data = lesson["cheater_data"]  # training images carry the mark at their class's corner
    test_x, test_y = data.test  # ... and test images in a random corner
    for column, (title, model) in zip(st.columns(2), models.items(), strict=True):
        column.metric(
            f"{title.split(' (')[0]}: test accuracy", f"{dlcore.accuracy(model, test_x, test_y):.0%}"
        )
    c1, c2 = st.columns([3, 1])
    index = c1.slider("Training image", 0, len(data.train[0]) - 1, 0, key="explain_lesson_index")
    conv_layers = dlcore.conv_layer_names(lesson["cheater"])
    layer = c2.selectbox(
        "Grad-CAM and HiResCAM layer",
        conv_layers,
        index=len(conv_layers) - 1,
        key="explain_lesson_layer",
        help="Both maps always look at the same layer, so only the averaging differs.",
    )
    draw_where_each_looks(models, data, index, layer)
    st.markdown(
        "Saliency and Integrated Gradients of the cheater pile up on the corner mark; the honest model's "
        "follow the shape. **Grad-CAM** averages each feature map's gradient over the whole image into one "
        "weight, so it lights every bright patch the map responds to — the mark, but the shape just as much: "
        "it cannot tell you which of the two the decision rested on. **HiResCAM** skips the averaging and "
        "keeps the gradient where it is: for the cheater it points at the mark, for the honest model at the "
        "shape. Same layer, same gradients — one average made the difference. No single map tells the whole "
        "story."
    )


def draw_where_each_looks(models: dict, data, index: int, layer: str) -> None:
    """Each model's maps of training image `index`, captioned with their share on the corner mark."""
    x, y = data.train[0][index : index + 1], int(data.train[1][index])
    raw = data.denormalize(x)[0]
    for role, (title, model) in zip(("cheater", "honest"), models.items(), strict=True):
        maps, problems = dlcore.attributions.attribute(model, x, y, LESSON_METHODS, layer)
        for problem in problems:
            st.warning(problem, icon=":material/warning:")
        shares = dlcore.attributions.cue_shares(maps, data.cue_region)
        captions = {t: f"{share:.0%} in the corners" for t, share in shares.items()}
        st.plotly_chart(
            plots.attribution_grid(raw, maps, SIGNED, title, captions), key=f"explain_lesson_{role}"
        )
