"""The Adversarial page's "accuracy as the attack grows": test accuracy against ε for the model and its
robust copy, measured on demand, with a summary of what the curves show."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.adversarial import ROBUST, YOURS
from ui.adversarial.attack import ATTACKS, attack_choice
from ui.state import ATTACK_CURVES as CURVES_KEY

EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
CURVE_EXAMPLES = 500  # test images per point of the curve: enough for a smooth line, fast on a CPU


def draw_curve(held, models: dict, robust: dict | None) -> None:
    """Test accuracy against ε for every model on the page, measured on demand, and what it shows."""
    space = dlcore.InputSpace.for_dataset(held.dataset)
    x, y = held.dataset.test[0][:CURVE_EXAMPLES], held.dataset.test[1][:CURVE_EXAMPLES]
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    attack = attack_choice(c1, "adversarial_curve_attack")
    c2.caption(
        f"Each of {len(y)} test examples attacked at each ε; the accuracy left over. "
        "A steep drop means a brittle model."
    )
    measured = (held.job, robust["job"] if robust is not None else None)
    if st.button("Measure on the test split", icon=":material/trending_down:", key="adversarial_measure"):
        # The ε the copy was trained against is measured too: the summary reads the curves there.
        epsilons = sorted({*EPSILONS, robust["eps"]}) if ROBUST in models else EPSILONS
        with st.spinner("Attacking the test split…"):
            frames = {
                label: dlcore.accuracy_under_attack(model, x, y, epsilons, attack, space)
                for label, model in models.items()
            }
        rows = [
            dict(r, label=f"{label}, {ATTACKS[attack].title}")
            for label, frame in frames.items()
            for r in frame.to_dict("records")
        ]
        summary = None
        if ROBUST in models:
            summary = dlcore.robustness_summary(frames[YOURS], frames[ROBUST], robust["eps"])
            summary = f"Measured with {ATTACKS[attack].title} on {len(y)} test examples. {summary}"
        st.session_state[CURVES_KEY] = {"models": measured, "rows": rows, "summary": summary}
    curves = st.session_state.get(CURVES_KEY)
    if curves is not None and curves["models"] == measured:  # measured on these models (not an older copy)
        st.plotly_chart(plots.robustness_curve(curves["rows"]), key="adversarial_curve")
        if curves["summary"]:
            st.markdown(curves["summary"])
