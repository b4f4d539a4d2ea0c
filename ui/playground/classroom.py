"""The teacher's panel: controls to hide from the students, the link to this setup, looser limits."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from dlcore import playground as pg
from ui.address import page_url
from ui.playground import STATE
from ui.state import bind


def classroom_panel(state: pg.Playground) -> None:
    """Tick controls to hide and get the students' link; looser limits on request."""
    with st.expander("Classroom mode, sharing and limits", icon=":material/school:"):
        st.markdown(
            "The address bar always holds a link to exactly this setup, seed included. "
            "Tick controls to hide them: your students' link shows only the rest."
        )
        bind("pg-hide", list(state.hidden_controls))
        st.multiselect(
            "Hide these controls",
            list(pg.CONTROLS),
            format_func=pg.CONTROLS.get,
            **STATE.on_change("pg-hide", lambda s, v: replace(s, hidden_controls=tuple(v))),
        )
        st.code(share_link(state), language=None, wrap_lines=True)
        bind("pg-limits", state.limits == "loose")
        loose = pg.LIMITS["loose"]
        st.toggle(
            f"Looser limits (up to {loose.max_layers} layers of {loose.max_neurons} neurons)",
            **STATE.on_change("pg-limits", _set_limits),
        )


def _set_limits(state: pg.Playground, loose: bool) -> pg.Playground:
    if loose:
        return replace(state, limits="loose")
    # back to standard: shrink what no longer fits
    standard = pg.LIMITS["standard"]

    def fit(net: pg.Network) -> pg.Network:
        hidden = tuple(min(w, standard.max_neurons) for w in net.hidden[: standard.max_layers])
        return replace(net, hidden=hidden, activations=net.activations[: len(hidden)])

    return replace(state, limits="standard", a=fit(state.a), b=fit(state.b) if state.b else None)


def share_link(state: pg.Playground) -> str:
    return f"{page_url('playground')}?{urlencode(pg.to_query(state), safe=',')}"
