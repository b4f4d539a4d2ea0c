"""Each network's controls: learning rate, activation, regularisation, batch size and more (optimizer,
loss, initialisation, an activation per layer), its input features, hidden layers and neurons. Every
widget is bound to the state (ui.playground.STATE) and left out when a teacher's classroom link hides it.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import dlcore
from dlcore import playground as pg
from ui.playground import STATE
from ui.state import bind


def _within(param: dlcore.Param, values: tuple[float, ...]) -> tuple[float, ...]:
    """The menu's values the engine accepts: its Param holds the bounds."""
    return tuple(v for v in values if param.min <= v <= param.max)


# TF Playground's rates, as far as the engine's bounds allow
LEARNING_RATES = _within(
    pg.network_params()["lr"], (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
)
REG_RATES = _within(pg.network_params()["rate"], (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0))
REGULARISATION = {"none": "None", "l1": "L1", "l2": "L2"}
ACTIVATION_LABELS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Linear",
                     "leaky_relu": "Leaky ReLU", "elu": "ELU", "gelu": "GELU", "silu": "SiLU"}  # fmt: skip
NEURON_BOXES_PER_ROW = 2


def _with_current(options: tuple, value) -> list:
    """A fixed list of choices plus the current value when a link brought another one."""
    return sorted(set(options) | {value})


def _network_change(side: str, change):
    """A state change for one network: change(network, value) -> network."""
    return lambda state, value: state.with_network(side, change(state.networks()[side], value))


def network_settings(side: str, state: pg.Playground) -> None:
    """Learning rate, activation, regularisation, rate, batch size, and more (optimizer, loss, init)."""
    net = state.networks()[side]
    key = f"pg-{side}"
    shown = [c for c in ("lr", "act", "reg", "rate", "batch") if not state.hides(c)] + ["more"]
    # side by side in one row across the page; rows of two in A and B's narrower halves, where three
    # broke "Regularisation" mid-word. Hidden controls leave no gaps.
    per_row = 6 if state.b is None else 2
    rows = [st.columns(per_row, vertical_alignment="bottom") for _ in range(0, len(shown), per_row)]
    cell = dict(zip(shown, (col for row in rows for col in row), strict=False))
    lrs = _with_current(LEARNING_RATES, net.learning_rate)
    _network_choice(cell.get("lr"), side, state, "lr", "learning_rate", "Learning rate", lrs, "{:g}".format)
    if "act" in cell:
        mixed = len(set(net.activations)) > 1
        options = list(pg.ACTIVATIONS) + (["mixed"] if mixed else [])
        bind(f"{key}-act", "mixed" if mixed else net.activation)
        cell["act"].selectbox(
            "Activation",
            options,
            format_func=lambda a: "per layer" if a == "mixed" else ACTIVATION_LABELS[a],
            help="Applied after every hidden layer (set one per layer under More).",
            **STATE.on_change(
                f"{key}-act", _network_change(side, lambda n, a: n if a == "mixed" else n.with_activation(a))
            ),
        )
    _network_choice(cell.get("reg"), side, state, "reg", "regularization", "Regularisation",
                    list(REGULARISATION), REGULARISATION.get)  # fmt: skip
    rates = _with_current(REG_RATES, net.reg_rate)
    _network_choice(
        cell.get("rate"), side, state, "rate", "reg_rate", "Regularisation rate", rates, "{:g}".format
    )
    if "batch" in cell:
        bind(f"{key}-batch", net.batch_size)
        batch = pg.network_params()["batch"]
        cell["batch"].number_input(
            "Batch size",
            batch.min,
            batch.max,
            **STATE.on_change(
                f"{key}-batch", _network_change(side, lambda n, v: replace(n, batch_size=int(v)))
            ),
        )
    with cell["more"].popover("More", width="stretch"):
        _more_settings(side, state, net)


def _network_choice(where, side: str, state: pg.Playground, control: str, attr: str, label: str, options,
                    format_func, help: str | None = None) -> None:  # fmt: skip
    """A selectbox for one field of one network; nothing where classroom mode hides `control`."""
    if where is None or state.hides(control):
        return
    key = bind(f"pg-{side}-{control}", getattr(state.networks()[side], attr))
    where.selectbox(
        label,
        options,
        format_func=format_func,
        help=help,
        **STATE.on_change(key, _network_change(side, lambda n, v: replace(n, **{attr: v}))),
    )


def _more_settings(side: str, state: pg.Playground, net: pg.Network) -> None:
    key = f"pg-{side}"
    params = pg.network_params()  # choices and labels from the engine's registries
    for control, attr, label, choices in (
        ("opt", "optimizer", "Optimizer", params["opt"].choices),
        ("loss", "loss", "Loss", ["auto", *pg.losses_for(state.task)]),
        ("init", "init", "Weight initialisation", params["init"].choices),
    ):
        _network_choice(st, side, state, control, attr, label, choices,
                        lambda name, c=control: pg.choice_label(c, name), params[control].help)  # fmt: skip
    if not state.hides("act") and net.hidden:
        st.markdown("**Activation per layer**")
        for i, act in enumerate(net.activations):
            bind(f"{key}-act{i}", act)
            st.selectbox(
                f"Layer {i + 1}",
                list(pg.ACTIVATIONS),
                format_func=ACTIVATION_LABELS.get,
                **STATE.on_change(
                    f"{key}-act{i}", _network_change(side, lambda n, a, i=i: _set_layer_act(n, i, a))
                ),
            )


def _set_layer_act(net: pg.Network, index: int, activation: str) -> pg.Network:
    acts = list(net.activations)
    acts[index] = activation
    return replace(net, activations=tuple(acts))


def network_shape(side: str, state: pg.Playground) -> None:
    """Input feature toggles, hidden layers +/− and neurons +/− per layer."""
    net = state.networks()[side]
    key = f"pg-{side}"
    limits = state.limit
    if not state.hides("features"):
        bind(f"{key}-features", list(net.features))
        st.pills(
            "Input features",
            list(pg.FEATURES),
            selection_mode="multi",
            format_func=pg.FEATURE_LABELS.get,
            help="What the network sees of each point. x1² and x2² make a circle easy; sin helps spirals.",
            **STATE.on_change(
                f"{key}-features", _network_change(side, lambda n, f: replace(n, features=_ordered(f)))
            ),
        )
    show_layers, show_neurons = not state.hides("layers"), not state.hides("neurons")
    if show_layers:
        bind(f"{key}-layers", len(net.hidden))
        st.number_input(
            "Hidden layers",
            0,
            limits.max_layers,
            help=f"Add or remove hidden layers (up to {limits.max_layers}); the boxes below set the "
            f"neurons in each layer (up to {limits.max_neurons}).",
            width=160,
            **STATE.on_change(
                f"{key}-layers", _network_change(side, lambda n, k: _set_depth(n, int(k), limits))
            ),
        )
    if not (show_neurons and net.hidden):
        return
    # neurons per layer in rows of two: a narrower box loses its +/− buttons (three per row did)
    for start in range(0, len(net.hidden), NEURON_BOXES_PER_ROW):
        cols = st.columns(NEURON_BOXES_PER_ROW)
        for i, col in zip(range(start, len(net.hidden)), cols, strict=False):
            bind(f"{key}-width{i}", net.hidden[i])
            col.number_input(
                f"Layer {i + 1}",
                1,
                limits.max_neurons,
                **STATE.on_change(
                    f"{key}-width{i}",
                    _network_change(side, lambda n, w, i=i: n.resize_layer(i, int(w) - n.hidden[i], limits)),
                ),
            )


def _ordered(features) -> tuple[str, ...]:
    return tuple(f for f in pg.FEATURES if f in (features or ()))


def _set_depth(net: pg.Network, depth: int, limits: pg.Limits) -> pg.Network:
    while len(net.hidden) < depth:
        net = net.add_layer(limits)
    while len(net.hidden) > depth:
        net = net.remove_layer()
    return net
