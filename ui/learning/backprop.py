"""Backprop, one number at a time: the network with every number the steps so far revealed, the step
buttons, and the arithmetic of the latest step (all numbers from dlcore.learning.trace: autograd's)."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from dlcore import plots
from ui.learning.state import LEARNING, current, net_change
from ui.state import LEARNING_SHOWN, bind

KEY = "learning.bp"  # widget key prefix
NAMING = (
    "Press **Next** to compute the first neuron. Every number is PyTorch's own (its forward pass, and "
    "autograd for the gradients).\n\n**w2[1,2]** is layer 2's weight into its neuron 1 from neuron 2 of "
    "the layer before (PyTorch's `weight[0, 1]`); **b2[1]** is that neuron's bias. On the edges: each "
    "weight, then **∂** its gradient, then **→** its new value."
)


def _numbers(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(",") if part.strip())


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.replace(",", "-").split("-") if part.strip())


def _text_change(field: str, parse, what: str):
    """A text box's change of the network: parsed, or refused with a sentence saying what to write."""

    def change(state, text: str):
        try:
            value = parse(text)
            if not value:
                raise ValueError(text)
        except ValueError:
            LEARNING.notify(f"{what}: '{text}' cannot be read: {HOW[field]}")
            return state
        if field == "widths":
            return dataclasses.replace(state, net=state.net.resized(value))
        return net_change(field)(state, value)

    return change


HOW = {
    "widths": "write the neurons of each layer, inputs first, such as 2-2-1",
    "x": "write one number per input, separated by commas",
    "targets": "write one number per output, separated by commas",
}


def _text_box(label: str, field: str, value: str, parse) -> None:
    key = f"{KEY}.{field}"
    bind(key, value)
    st.text_input(
        label,
        help=HOW[field][0].upper() + HOW[field][1:] + ".",
        **LEARNING.on_change(key, _text_change(field, parse, label)),
    )


def _select(label: str, field: str, options: list, value, format_func=str) -> None:
    key = f"{KEY}.{field}"
    bind(key, value)
    st.selectbox(label, options, format_func=format_func, **LEARNING.on_change(key, net_change(field)))


def draw_network_form(net: dlcore.learning.BackpropNet) -> None:
    """The network, the example and the update's optimizer (a change starts the steps again)."""
    _text_box(
        f"Layers (at most {dlcore.learning.MAX_WEIGHTS} weights)",
        "widths",
        "-".join(map(str, net.widths)),
        _widths,
    )
    _select("Hidden activation", "activation", list(dlcore.learning.ACTIVATIONS), net.activation)
    _select("Loss", "loss", list(dlcore.learning.LOSS_NAMES), net.loss, lambda n: dlcore.LOSSES.get(n).label)
    _text_box("Inputs", "x", ", ".join(f"{v:g}" for v in net.x), _numbers)
    if net.loss == "mse":
        _text_box("Targets", "targets", ", ".join(f"{v:g}" for v in net.targets), _numbers)
    else:
        _select("Right answer", "label", list(range(net.widths[-1])), net.label, lambda c: f"out{c + 1}")
    names = dlcore.OPTIMIZERS.names()
    _select(
        "Optimizer of the update", "optimizer", names, net.optimizer, lambda n: dlcore.OPTIMIZERS.get(n).label
    )
    bind(f"{KEY}.lr", net.lr)
    st.number_input(
        "Learning rate",
        format="%g",
        min_value=1e-4,
        max_value=10.0,
        step=0.1,
        **LEARNING.on_change(f"{KEY}.lr", net_change("lr")),
    )
    bind(f"{KEY}.seed", net.seed)
    st.number_input(
        "Seed of the first weights",
        min_value=0,
        max_value=10_000,
        step=1,
        **LEARNING.on_change(f"{KEY}.seed", net_change("seed")),
    )


def _shown(net: dlcore.learning.BackpropNet) -> int:
    """How many steps of this network's round are shown (0 when the network changed)."""
    held = st.session_state.get(LEARNING_SHOWN)
    return held[1] if held and held[0] == net else 0


def _show(net: dlcore.learning.BackpropNet, shown: int) -> None:
    st.session_state[LEARNING_SHOWN] = (net, shown)


def _next_round() -> None:
    """The update applied: the same example again, one round on (the stepper starts at the forward pass)."""
    LEARNING.update(lambda s: dataclasses.replace(s, net=dataclasses.replace(s.net, rounds=s.net.rounds + 1)))


def draw_step_buttons(net: dlcore.learning.BackpropNet, shown: int, total: int) -> None:
    back, forward, everything, again, round_ = st.columns(5, vertical_alignment="center")
    back.button(
        "◀ Back",
        key=f"{KEY}.back",
        disabled=shown == 0,
        on_click=_show,
        args=(net, shown - 1),
        width="stretch",
    )
    forward.button(
        "Next ▶",
        key=f"{KEY}.next",
        type="primary",
        disabled=shown == total,
        on_click=_show,
        args=(net, shown + 1),
        width="stretch",
    )
    everything.button("Show all", key=f"{KEY}.all", on_click=_show, args=(net, total), width="stretch")
    again.button("Restart", key=f"{KEY}.restart", on_click=_show, args=(net, 0), width="stretch")
    round_.button(
        "Next round",
        key=f"{KEY}.round",
        disabled=shown < total,
        on_click=_next_round,
        width="stretch",
        help="Apply the update and start again on the same example, from the new weights.",
    )


def draw_backprop() -> None:
    """The stepper's tab."""
    net = current().net
    trace = dlcore.learning.trace(net)  # the state was validated: this network can be traced
    steps = dlcore.learning.steps(trace)
    shown = _shown(net)
    settings, buttons = st.columns([1, 4], vertical_alignment="center")
    with settings.popover("Network", icon=":material/tune:", width="stretch"):
        draw_network_form(net)
    with buttons:
        draw_step_buttons(net, shown, len(steps))
    # a deep network needs the whole width to stay readable: its arithmetic goes below it
    picture, words = st.columns([5, 3]) if len(net.widths) <= 3 else (st.container(), st.container())
    picture.plotly_chart(
        plots.backprop_figure(trace, steps, shown), key=f"{KEY}.figure", config={"displayModeBar": False}
    )
    with words:
        round_note = f" · round {net.rounds + 1}" if net.rounds else ""
        st.caption(f"Step {shown} of {len(steps)}{round_note}: forward, loss, backward, update")
        if shown == 0:
            st.markdown(NAMING)
        else:
            step = steps[shown - 1]
            st.markdown(f"**{step.title}**")
            st.code("\n".join(step.lines), language=None, wrap_lines=True)
