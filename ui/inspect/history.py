"""Inspect's "over training time": how the weights and gradients of each layer moved, from the first step."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots


def draw_history(job, moment: int | None = None) -> None:
    """Weight and gradient distributions of `job` over training, recorded by the job from its first step;
    `moment`: the step the page is rewound to, marked on them."""
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
        a.plotly_chart(plots.distribution_over_time(frame, layer, kind, moment), key="inspect_bands")
        b.plotly_chart(
            plots.histogram_over_time(record.histograms(layer, kind), layer, kind), key="inspect_ridges"
        )
    a, b = st.columns(2)
    a.plotly_chart(dlcore.plots.grad_norm_chart(job.grad_norms()), key="inspect_grad_norms")
    dead = record.dead_units()
    if not dead.empty:
        b.plotly_chart(plots.dead_units_chart(dead), key="inspect_dead")
