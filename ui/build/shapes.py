"""The model's shapes on the Build page: the diagram of the network and the table of every layer."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.build import model


def draw_diagram(analysis: model.Analysis) -> None:
    """The network as a diagram (the layer that does not fit marked)."""
    categories = {name: entry.category for name, entry in dlcore.layer_catalogue().items()}
    error_index = None if analysis.error is None else getattr(analysis.error, "layer_index", None)
    st.plotly_chart(
        plots.network_diagram(analysis.summary, model.model_dict()["input_shape"], categories, error_index),
        key="network_diagram",
        config={"displayModeBar": False},
    )


def draw_table(analysis: model.Analysis) -> None:
    """Each layer (blocks' layers indented, frozen ones marked ❄) with its output shape, parameters and
    multiply-adds."""
    st.markdown("**Shapes and parameters**")
    summary = analysis.summary
    frozen = ~summary["trainable"] & (summary["params"] > 0)  # a layer with nothing to learn is not "frozen"
    table = summary.assign(
        output_shape=summary["output_shape"].map(lambda s: "×".join(map(str, s))),
        layer=summary["name"].map(lambda n: "  " * n.count(".") + n) + frozen.map({True: " ❄", False: ""}),
    )[["layer", "output_shape", "params", "macs"]]
    st.dataframe(table, hide_index=True, width="stretch")
    if frozen.any():
        st.caption("❄ frozen: training leaves these weights as they are.")
    if analysis.error is not None:
        st.caption("The table and diagram show the layers up to the one that does not fit.")
