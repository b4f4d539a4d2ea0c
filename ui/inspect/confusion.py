"""Inspect's confusion matrix on the test split: click a cell (or choose it) to see the examples in it."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.state import CONFUSION_CLICK

TRUE_KEY, PREDICTED_KEY = "inspect_cell_true", "inspect_cell_predicted"  # the two boxes that choose the cell


def draw_confusion(held) -> None:
    """The confusion matrix on the test split; a clicked (or chosen) cell shows its examples."""
    if not held.is_classifier:
        st.info("A confusion matrix compares classes: this model does " + held.dataset.task + ".")
        return
    predicted, probs = held.test_predictions()
    actual = held.dataset.test[1]
    names = held.class_names
    matrix = dlcore.confusion(predicted, actual, len(names))
    st.caption("Click a cell to see the test examples in it. Off the diagonal: the model's mistakes.")
    event = st.plotly_chart(
        plots.clickable_confusion(matrix, names),
        key="inspect_confusion",
        on_select="rerun",
        selection_mode="points",
    )
    # A click on a cell picks it in the two boxes below (which also work without a mouse).
    points = event.selection.points if event and event.selection else []
    # Markers are laid out row by row: point i is true class i // K, predicted class i % K.
    click = divmod(int(points[0]["point_index"]), len(names)) if points else None
    if click is not None and click != st.session_state.get(CONFUSION_CLICK):
        st.session_state[CONFUSION_CLICK] = click
        st.session_state[TRUE_KEY] = names[click[0]]
        st.session_state[PREDICTED_KEY] = names[click[1]]
    if TRUE_KEY not in st.session_state:  # start on the most common mistake
        worst = dlcore.most_confused(matrix)
        st.session_state[TRUE_KEY] = names[worst[0]]
        st.session_state[PREDICTED_KEY] = names[worst[1]]
    c1, c2 = st.columns(2)
    true_name = c1.selectbox("True class", names, key=TRUE_KEY)
    predicted_name = c2.selectbox("Predicted class", names, key=PREDICTED_KEY)
    cell = dlcore.cell_examples(predicted, actual, names.index(true_name), names.index(predicted_name))
    if not cell:
        st.info(f"No test example of {true_name} was predicted as {predicted_name}.")
    else:
        shown = cell[:24]
        st.markdown(f"**{len(cell)}** test examples of **{true_name}** predicted as **{predicted_name}**")
        captions = [f"#{i} ({float(probs[i, names.index(predicted_name)]):.0%})" for i in shown]
        if held.is_image:
            images = held.dataset.denormalize(held.dataset.test[0][shown])
            st.plotly_chart(plots.example_strip(images, captions), key="inspect_cell_examples")
        else:
            st.write(", ".join(captions))
