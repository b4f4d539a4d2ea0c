"""The playground's controls: the player bar, the data column, each network's settings and shape, and
the classroom/share panel. Every widget is bound to the state (see ui.playground_state) and is left out
when a teacher's classroom link hides it.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

import dlcore
from dlcore import playground as pg
from dlcore import plots
from ui import playground_runs as runs
from ui import playground_state as store
from ui.address import page_url
from ui.errors import show_error
from ui.playground_views import CLASS_COLOURS, POINT_CLASS_KEY
from ui.uploads import parse_once

# the picker's buttons are narrow: short names where the full one would be cut off
DATASET_BUTTONS = {"xor": "XOR", "multi_spiral": "Arms", "blobs": "Blobs", "points": "Yours",
                   "multi_gaussian": "Bumps"}  # fmt: skip


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


# --- the player bar -------------------------------------------------------------------------------
def player_bar(state: pg.Playground) -> None:
    """Play/Pause, Step, Reset, the lesson presets and the A/B switch in one row, each as wide as its
    label (fixed-width columns cut "Reset" and the A/B label short on a projector)."""
    first = (
        ("Pause", "pause", runs.pause, None) if runs.is_playing() else ("Play", "play_arrow", runs.play, None)
    )
    buttons = (
        first,
        ("Step", "skip_next", runs.step, "Train one epoch, then pause."),
        ("Reset", "restart_alt", runs.reset, "Start again from fresh weights (same seed)."),
    )
    with st.container(horizontal=True, vertical_alignment="bottom", gap="small", key="pg-player"):
        for label, icon, action, help_text in buttons:
            st.button(
                label,
                icon=f":material/{icon}:",
                key=f"pg-{label.lower()}",
                on_click=action,
                type="primary" if action in (runs.play, runs.pause) else "secondary",
                help=help_text,
                width="content",
            )
        if not state.hides("presets"):
            st.selectbox(
                "Lesson preset",
                list(pg.PRESETS),
                index=None,
                placeholder="Lesson preset…",
                label_visibility="collapsed",  # the placeholder says it: the row stays one button high
                key="pg-preset",
                on_change=_apply_preset,
                width=360,
            )
        if not state.hides("compare"):
            store.bind("pg-compare", state.b is not None)
            st.toggle(
                "A/B: compare two networks",
                help="Train a second network on the same data at the same time, e.g. ReLU vs sigmoid.",
                **store.on_change("pg-compare", lambda s, on: replace(s, b=(s.b or s.a) if on else None)),
            )


def _apply_preset() -> None:
    name = st.session_state.get("pg-preset")
    if name in pg.PRESETS:
        runs.pause()
        store.replace_state(pg.preset(name))
    st.session_state["pg-preset"] = None


# --- the data column --------------------------------------------------------------------------------
def data_column(state: pg.Playground) -> None:
    st.markdown("#### Data")
    if not state.hides("problem"):
        store.bind("pg-problem", state.problem)
        st.selectbox(
            "Problem type",
            ["classification", "regression"],
            format_func=str.capitalize,
            **store.on_change("pg-problem", _set_problem),
        )
    if not state.hides("dataset"):
        choices = pg.REGRESSION if state.problem == "regression" else pg.CLASSIFICATION
        dataset_picker(state, choices)
        if state.dataset in pg.MULTICLASS_OPTION:
            store.bind("pg-classes", state.classes)
            st.slider(
                "Classes",
                3,
                pg.MAX_CLASSES,
                **store.on_change("pg-classes", lambda s, k: replace(s, classes=k)),
            )
    if state.dataset == "points" and not state.hides("points"):
        own_points(state)
    if not state.hides("ratio"):
        store.bind("pg-ratio", state.train_ratio)
        st.slider(
            "Ratio of training to test data",
            10,
            90,
            step=10,
            format="%d%%",
            **store.on_change("pg-ratio", lambda s, v: replace(s, train_ratio=v)),
        )
    if not state.hides("noise") and state.dataset != "points":
        store.bind("pg-noise", state.noise)
        st.slider("Noise", 0, 50, step=5, **store.on_change("pg-noise", lambda s, v: replace(s, noise=v)))
    if not state.hides("regenerate"):
        st.button(
            "Regenerate",
            icon=":material/casino:",
            key="pg-regenerate",
            on_click=store.update,
            args=(lambda s: replace(s, seed=(s.seed * 1_103_515_245 + 12_345) % 2**31),),
            help="New random points (a new seed); the seed is part of the link.",
            width="stretch",
        )
    st.caption(f"Seed {state.seed}")
    st.markdown("#### View")
    if not state.hides("showtest"):
        store.bind("pg-showtest", state.show_test)
        st.checkbox("Show test data", **store.on_change("pg-showtest", lambda s, v: replace(s, show_test=v)))
    if not state.hides("discretize"):
        store.bind("pg-discretize", state.discretize)
        st.checkbox(
            "Discretize output", **store.on_change("pg-discretize", lambda s, v: replace(s, discretize=v))
        )


def dataset_picker(state: pg.Playground, choices: tuple[str, ...]) -> None:
    """TF Playground's picker: a small picture of each dataset, two to a row, the chosen one highlighted."""
    st.markdown("Dataset", help="The points to learn. Each colour is a class; regression colours the value.")
    for start in range(0, len(choices), 2):
        for col, name in zip(st.columns(2, gap="small"), choices[start : start + 2], strict=False):
            with col:
                st.image(_thumbnail(name, state.points if name == "points" else ()), width="stretch")
                st.button(
                    DATASET_BUTTONS.get(name, pg.DATASET_LABELS[name]),
                    key=f"pg-dataset-{name}",
                    type="primary" if name == state.dataset else "secondary",
                    on_click=store.update,
                    args=(lambda s, name=name: replace(s, dataset=name),),
                    width="stretch",
                )


@st.cache_data(max_entries=64, show_spinner=False)
def _thumbnail(name: str, points: tuple) -> bytes:
    if name == "points":
        return plots.dataset_thumbnail([p[:2] for p in points], [p[2] for p in points], "binary")
    ds = dlcore.data.load(name, num_points=300, seed=0, val_fraction=0.0)
    task = "regression" if name in pg.REGRESSION else "binary"
    return plots.dataset_thumbnail(ds.raw_2d.train.numpy(), ds.train[1].numpy(), task)


def _set_problem(state: pg.Playground, problem: str | None) -> pg.Playground:
    """A new problem type brings its first dataset, and losses go back to the one that fits it."""
    if problem is None or problem == state.problem:
        return state
    state = replace(state, dataset="plane" if problem == "regression" else "circle")
    for side, network in state.networks().items():
        state = state.with_network(side, replace(network, loss="auto"))
    return state


def own_points(state: pg.Playground) -> None:
    """Click the plane to add points of the chosen class, or upload a CSV (x1, x2, label)."""
    count = f"{len(state.points)} point{'' if len(state.points) == 1 else 's'}"
    st.caption(f"{count}. Pause, then click the output plane to add one of the chosen class.")
    st.segmented_control(
        "Class of new points",
        list(range(pg.MAX_CLASSES)),
        format_func=lambda c: f":{CLASS_COLOURS[c]}[:material/circle:] {c}",
        key=POINT_CLASS_KEY,
        default=0,
        required=True,
    )
    upload = st.file_uploader("…or upload a CSV: x1, x2, label", type=["csv"], key="pg-csv")
    if upload is not None:
        parsed = parse_once(upload, pg.points_from_csv, "pg-csv-parsed")
        if parsed.error is not None:
            show_error(f"{upload.name}: {parsed.error.message}")
        elif parsed.fresh:
            store.replace_state(replace(state, points=parsed.value))
            st.rerun()
    if state.points:
        st.button(
            "Clear points",
            key="pg-clear-points",
            on_click=store.update,
            args=(lambda s: replace(s, points=()),),
        )


# --- one network's settings and shape ------------------------------------------------------------------
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
        store.bind(f"{key}-act", "mixed" if mixed else net.activation)
        cell["act"].selectbox(
            "Activation",
            options,
            format_func=lambda a: "per layer" if a == "mixed" else ACTIVATION_LABELS[a],
            help="Applied after every hidden layer (set one per layer under More).",
            **store.on_change(
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
        store.bind(f"{key}-batch", net.batch_size)
        batch = pg.network_params()["batch"]
        cell["batch"].number_input(
            "Batch size",
            batch.min,
            batch.max,
            **store.on_change(
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
    key = store.bind(f"pg-{side}-{control}", getattr(state.networks()[side], attr))
    where.selectbox(
        label,
        options,
        format_func=format_func,
        help=help,
        **store.on_change(key, _network_change(side, lambda n, v: replace(n, **{attr: v}))),
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
            store.bind(f"{key}-act{i}", act)
            st.selectbox(
                f"Layer {i + 1}",
                list(pg.ACTIVATIONS),
                format_func=ACTIVATION_LABELS.get,
                **store.on_change(
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
        store.bind(f"{key}-features", list(net.features))
        st.pills(
            "Input features",
            list(pg.FEATURES),
            selection_mode="multi",
            format_func=pg.FEATURE_LABELS.get,
            help="What the network sees of each point. x1² and x2² make a circle easy; sin helps spirals.",
            **store.on_change(
                f"{key}-features", _network_change(side, lambda n, f: replace(n, features=_ordered(f)))
            ),
        )
    show_layers, show_neurons = not state.hides("layers"), not state.hides("neurons")
    if show_layers:
        store.bind(f"{key}-layers", len(net.hidden))
        st.number_input(
            "Hidden layers",
            0,
            limits.max_layers,
            help=f"Add or remove hidden layers (up to {limits.max_layers}); the boxes below set the "
            f"neurons in each layer (up to {limits.max_neurons}).",
            width=160,
            **store.on_change(
                f"{key}-layers", _network_change(side, lambda n, k: _set_depth(n, int(k), limits))
            ),
        )
    if not (show_neurons and net.hidden):
        return
    # neurons per layer in rows of two: a narrower box loses its +/− buttons (three per row did)
    for start in range(0, len(net.hidden), NEURON_BOXES_PER_ROW):
        cols = st.columns(NEURON_BOXES_PER_ROW)
        for i, col in zip(range(start, len(net.hidden)), cols, strict=False):
            store.bind(f"{key}-width{i}", net.hidden[i])
            col.number_input(
                f"Layer {i + 1}",
                1,
                limits.max_neurons,
                **store.on_change(
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


# --- classroom and sharing ---------------------------------------------------------------------------
def classroom_panel(state: pg.Playground) -> None:
    """Tick controls to hide and get the students' link; looser limits on request."""
    with st.expander("Classroom mode, sharing and limits", icon=":material/school:"):
        st.markdown(
            "The address bar always holds a link to exactly this setup, seed included. "
            "Tick controls to hide them: your students' link shows only the rest."
        )
        store.bind("pg-hide", list(state.hidden_controls))
        st.multiselect(
            "Hide these controls",
            list(pg.CONTROLS),
            format_func=pg.CONTROLS.get,
            **store.on_change("pg-hide", lambda s, v: replace(s, hidden_controls=tuple(v))),
        )
        st.code(share_link(state), language=None, wrap_lines=True)
        store.bind("pg-limits", state.limits == "loose")
        loose = pg.LIMITS["loose"]
        st.toggle(
            f"Looser limits (up to {loose.max_layers} layers of {loose.max_neurons} neurons)",
            **store.on_change("pg-limits", _set_limits),
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
    from urllib.parse import urlencode

    return f"{page_url('playground')}?{urlencode(pg.to_query(state), safe=',')}"
