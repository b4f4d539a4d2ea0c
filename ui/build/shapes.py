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
    """Each layer (blocks' layers indented) with its output shape, parameters and multiply-adds."""
    st.markdown("**Shapes and parameters**")
    table = analysis.summary.assign(
        output_shape=analysis.summary["output_shape"].map(lambda s: "×".join(map(str, s))),
        layer=analysis.summary["name"].map(lambda n: "  " * n.count(".") + n),
    )[["layer", "output_shape", "params", "trainable", "macs"]]
    st.dataframe(
        table.assign(trainable=table["trainable"].where(table["params"] > 0)),  # blank: nothing to learn
        hide_index=True,
        width="stretch",
        column_config={"trainable": st.column_config.CheckboxColumn("trains", help="Off: frozen")},
    )
    if analysis.error is not None:
        st.caption("The table and diagram show the layers up to the one that does not fit.")
