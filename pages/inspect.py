"""Inspect: what every layer sees for one input, how weights and gradients moved, and where the model errs."""

import streamlit as st

import dlcore
from dlcore import plots
from ui.frame import require_frame
from ui.inspect_input import pick_input
from ui.inspect_state import require_subject, snapshot_bar
from ui.live import live

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py


def draw_history(job) -> None:
    """Weight and gradient distributions of `job` over training, recorded by the job from its first step."""
    record = job.parameter_history()
    if len(record) == 0:
        st.info("The first record is on its way…", icon=":material/hourglass_top:")
        return
    c1, c2 = st.columns([2, 1])
    layer = c1.selectbox("Layer", record.layers(), index=0, key="inspect_history_layer")
    kind = c2.radio("Show", ["weight", "gradient"], horizontal=True, key="inspect_history_kind")
    frame = record.percentiles()
    if frame[(frame["layer"] == layer) & (frame["kind"] == kind)].empty:
        st.info(f"No {kind}s recorded for {layer} yet: they appear once training has taken a step.")
    else:
        a, b = st.columns(2)
        a.plotly_chart(plots.distribution_over_time(frame, layer, kind), key="inspect_bands")
        b.plotly_chart(
            plots.histogram_over_time(record.histograms(layer, kind), layer, kind), key="inspect_ridges"
        )
    a, b = st.columns(2)
    a.plotly_chart(dlcore.plots.grad_norm_chart(job.grad_norms()), key="inspect_grad_norms")
    dead = record.dead_units()
    if not dead.empty:
        b.plotly_chart(plots.dead_units_chart(dead), key="inspect_dead")


def draw_one_input(held) -> None:
    """One input, layer by layer: the input and prediction, feature maps, filters, attention, dense layers."""
    picked = pick_input(held, key="inspect")
    if picked is None:
        return
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

    maps = dlcore.feature_maps(held.model, picked.x)
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
    if click is not None and click != st.session_state.get("inspect_cell_click"):
        st.session_state["inspect_cell_click"] = click
        st.session_state["inspect_cell_true"] = names[click[0]]
        st.session_state["inspect_cell_predicted"] = names[click[1]]
    if "inspect_cell_true" not in st.session_state:  # start on the most common mistake
        worst = dlcore.most_confused(matrix)
        st.session_state["inspect_cell_true"] = names[worst[0]]
        st.session_state["inspect_cell_predicted"] = names[worst[1]]
    c1, c2 = st.columns(2)
    true_name = c1.selectbox("True class", names, key="inspect_cell_true")
    predicted_name = c2.selectbox("Predicted class", names, key="inspect_cell_predicted")
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


st.title(":material/biotech: Inspect")
st.caption("A network is not a black box if you look: every layer's output, every filter, every gradient.")

held = require_subject("inspect")
if held is not None:
    held = snapshot_bar(held, key="inspect_snapshot_button")
    one_input, over_time, mistakes = st.tabs(
        ["One input, layer by layer", "Over training time", "Confusion matrix"]
    )

    with one_input:
        draw_one_input(held)

    with over_time:
        st.caption(
            "Recorded from the first step of training: the spread of each layer's weights and of the "
            "gradients that move them (like TensorBoard's distributions). Gradients that shrink to nothing "
            "in early layers are vanishing; ones that blow up are exploding; ReLUs that never fire are dead."
        )
        live(draw_history, seconds=1.0)  # redrawn every second while the job trains

    with mistakes:
        draw_confusion(held)
