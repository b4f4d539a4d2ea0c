"""Drawing attributions: a map per method over an image, or bars per token, time step or feature."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots

METHODS = dict(dlcore.EXPLAIN_METHODS.items())
SIGNED = {m.title: m.signed for m in METHODS.values()}
UNSIGNED = [m.title for m in METHODS.values() if not m.signed]  # magnitude maps, named in the caption


def show_maps(
    held, raw, x, maps: dict, title: str, key: str, signed: dict | None = None, overlay: bool = True
) -> None:
    """Heatmaps beside the image (`raw`), or bars per feature / time step / token of the input `x`."""
    if not maps:
        return
    if raw is not None:
        st.plotly_chart(plots.attribution_grid(raw, maps, signed, title=title, overlay=overlay), key=key)
        return
    bars = dlcore.attributions.as_bars(held.dataset, x, maps)
    st.plotly_chart(plots.feature_attribution_bars(bars.values, bars.labels, title, bars.axis_title), key=key)


def method_help() -> None:
    with st.expander("What do these methods compute?"):
        for method in METHODS.values():
            st.markdown(f"**{method.title}** — {method.help}")
