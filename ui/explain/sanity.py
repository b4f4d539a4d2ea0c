"""The sanity check: does a map change when the model's learned weights are thrown away?"""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.errors import show_error
from ui.explain.maps import METHODS, show_maps
from ui.state import EXPLAIN_SANITY


def draw_sanity(held, picked, available: list[str]) -> None:
    """The model-randomisation test on the input of the first tab (or the first test example)."""
    st.markdown(
        "If a map is really about what the model **learned**, it must change when the learned weights are "
        "thrown away. Here the layers are re-initialised one by one from the output back to the input "
        "(Adebayo et al., 2018, *Sanity Checks for Saliency Maps*). A map that stays the same was drawing "
        "the input, not the model's reasoning."
    )
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    method = c1.selectbox(
        "Method to test", available, format_func=lambda n: METHODS[n].title, key="explain_sanity_method"
    )
    if c2.button("Randomise the layers", icon=":material/casino:", key="explain_sanity_run"):
        run_check(held, picked, method)
    if EXPLAIN_SANITY in st.session_state:
        show_check(held, *st.session_state[EXPLAIN_SANITY])


def run_check(held, picked, method: str) -> None:
    """Randomise the layers of the held model and keep each stage's map in the session."""
    x, raw = dlcore.attributions.sanity_input(
        held.dataset, picked.x if picked is not None else None, picked.raw if picked is not None else None
    )
    try:
        stages = dlcore.attributions.sanity_stages(method, held.model, x)
    except dlcore.DlcoreError as err:
        show_error(err)
    else:
        st.session_state[EXPLAIN_SANITY] = (method, stages, raw, x)


def show_check(held, method: str, stages: list[dict], raw, x) -> None:
    """Each stage's map, and what the last one says about the method."""
    spec = METHODS[method]
    if raw is not None:
        st.plotly_chart(
            plots.randomisation_figure(raw, stages, spec.title, spec.signed), key="explain_sanity_fig"
        )
    else:
        maps = {f"{s['stage']} ({s['similarity']:.2f})": s["attribution"] for s in stages}
        show_maps(held, None, x, maps, f"{spec.title} as the layers are randomised", "explain_sanity_fig")
    final, depends = dlcore.attributions.sanity_verdict(stages)
    verdict = (
        "it depends on the weights, so it can tell you something about the model"
        if depends
        else "it barely depends on the weights: treat it as a picture of the input, not of the model"
    )
    st.markdown(
        f"With every layer random, the **{spec.title}** map's similarity to the trained model's is "
        f"**{final:.2f}** (1 = the same ranking of the inputs, 0 = unrelated): {verdict}."
    )
