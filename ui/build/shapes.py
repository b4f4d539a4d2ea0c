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


# narrow enough that all four columns show whole in the page's right column at 1280×720
TABLE_COLUMNS = {
    "layer": st.column_config.TextColumn(width=92),
    "output": st.column_config.TextColumn(width=70, help="the shape of what the layer gives the next one"),
    # the default format: "plain" shows 3488 as 3487.9999999999995 in this Streamlit
    "params": st.column_config.NumberColumn(width=58, help="weights it learns"),
    "MACs": st.column_config.NumberColumn(
        width=46, format="compact", help="multiply-adds for one example (K: thousand, M: million)"
    ),
}


def draw_table(analysis: model.Analysis) -> None:
    """Each layer (a block's layers indented under it by their own name, frozen ones marked ❄) with its
    output shape, parameters and multiply-adds."""
    st.markdown("**Shapes and parameters**")
    summary = analysis.summary
    frozen = ~summary["trainable"] & (summary["params"] > 0)  # a layer with nothing to learn is not "frozen"
    table = summary.assign(
        output=summary["output_shape"].map(lambda s: "×".join(map(str, s))),
        layer=summary["name"].map(_indented) + frozen.map({True: " ❄", False: ""}),
        MACs=summary["macs"],
    )[list(TABLE_COLUMNS)]
    st.dataframe(table, hide_index=True, width="stretch", column_config=TABLE_COLUMNS)
    if frozen.any():
        st.caption("❄ frozen: training leaves these weights as they are.")
    if analysis.error is not None:
        st.caption("The table and diagram show the layers up to the one that does not fit.")


def _indented(name: str) -> str:
    """block1.conv2d1 -> "  conv2d1": the block's row above says whose layer it is."""
    return "  " * name.count(".") + name.rsplit(".", 1)[-1]
