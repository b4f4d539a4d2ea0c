"""Inspect: what every layer sees for one input, how weights and gradients moved, and where the model errs."""

import streamlit as st

from ui.frame import require_frame
from ui.inspect.confusion import draw_confusion
from ui.inspect.history import draw_history
from ui.inspect.layers import draw_one_input
from ui.inspect.subject import require_subject, rewind_bar, snapshot_bar
from ui.live import live
from ui.sequences.projector import draw_projector

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/biotech: Inspect")
st.caption("A network is not a black box if you look: every layer's output, every filter, every gradient.")

held = require_subject("inspect")
if held is not None:
    held = snapshot_bar(rewind_bar(held, key="inspect_rewind"), key="inspect_snapshot_button")
    one_input, over_time, mistakes, projector = st.tabs(
        ["One input, layer by layer", "Over training time", "Confusion matrix", "Embeddings"]
    )

    with one_input:
        draw_one_input(held)

    with over_time:
        st.caption(
            "Recorded from the first step of training: the spread of each layer's weights and of the "
            "gradients that move them (like TensorBoard's distributions). Gradients that shrink to nothing "
            "in early layers are vanishing; ones that blow up are exploding; ReLUs that never fire are dead."
        )
        moment = held.step if held.rewound else None
        live(lambda job: draw_history(job, moment), seconds=1.0)  # redrawn every second while the job trains

    with mistakes:
        draw_confusion(held)

    with projector:  # the Sequences page's projector, on this tab's model
        draw_projector(held.model, held.dataset, "inspect-embeddings", (held.job.id, held.step))
