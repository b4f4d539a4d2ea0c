"""The live part of the playground: for each network, a fragment that redraws its neurons, edges,
gradient norms, losses and decision boundary several times a second while it trains.

Each poll takes one consistent snapshot of the model (the training thread never waits on the page), runs
one batched forward pass over the plane for every neuron's picture, and is also the job's heartbeat.
Clicking a weight or bias opens a small editor; clicking the plane (own points) adds a point.
"""

from __future__ import annotations

import math
from dataclasses import replace

import streamlit as st

import dlcore
from dlcore import playground as pg
from dlcore import plots_playground as plots
from ui import playground_runs as runs
from ui import playground_state as state_store
from ui.errors import show_error
from ui.live import load_factor, rerun_if_load_changed, scaled

POLL_S = 0.1  # seconds between polls: 10 a second asked, so at least 5 arrive on a busy server
IDLE_POLL_S = 5.0  # while paused: only the heartbeat that keeps this tab's paused networks alive
RESOLUTION = 50  # grid points per axis for every neuron's picture
EDIT_KEY = "playground_edit"  # (side, Edge) being edited
REVISION_KEY = "playground_chart_revision"  # bumped to clear a chart's click selection
POINT_CLASS_KEY = "playground_point_class"
CHART_CONFIG = {"displayModeBar": False}
CLASS_COLOURS = ("orange", "blue", "green", "violet", "red")  # Streamlit's names for the plots' class colours
STYLE = """<style>
.pg-epoch {font-size: 2.1rem; font-weight: 600; font-variant-numeric: tabular-nums; line-height: 1.1;}
.pg-epoch span, .pg-score span {font-size: 0.8rem; font-weight: 400; text-transform: uppercase;
  letter-spacing: 0.06em; color: #6b6f76; margin-right: 0.4rem;}
.pg-score {font-size: 1.15rem; font-variant-numeric: tabular-nums;}
.pg-test {font-weight: 600;}
.pg-inline {display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 1.2rem;}
.pg-inline .pg-epoch {font-size: 1.6rem;}
</style>"""


def output_names(state: pg.Playground, dataset) -> list[str]:
    if state.task == "regression":
        return ["value"]
    names = list(getattr(dataset, "class_names", None) or [])
    return (
        names if len(names) == pg.num_outputs(state) else [f"class {i}" for i in range(pg.num_outputs(state))]
    )


def network_panel(side: str, state: pg.Playground) -> None:
    """Draw one network's live views (call once per side, inside its container)."""
    playing = runs.is_playing()
    factor = load_factor()

    @st.fragment(run_every=scaled(POLL_S, factor) if playing else IDLE_POLL_S)
    def live() -> None:
        _draw(side, state, playing)
        if playing:
            rerun_if_load_changed(factor)

    live()


def _draw(side: str, state: pg.Playground, playing: bool) -> None:
    run = runs.runs().get(side)
    network = state.networks()[side]
    if run is None:
        return
    if run.job is None:
        if state.dataset == "points":  # too few points yet: show the plane to click on
            _empty_plane(side, state, run.error)
        else:
            show_error(run.error or "this network could not start")
        return
    job = run.job
    job.heartbeat()
    if runs.failed(run):
        show_error(job.error or "training failed")
        if playing:  # stop playing (once): the message stays until the settings change
            runs.pause()
            st.rerun()
    elif not job.alive:
        st.rerun()  # the page starts a job that continues from these weights (its time limit was reached)
    try:
        model = job.snapshot()
    except dlcore.DlcoreError:
        st.rerun()
        return
    run.weights = model.state_dict()
    maps = pg.neuron_maps(model, network, RESOLUTION)
    scores = pg.evaluate(model, run.dataset, pg.loss_name(state, network))
    progress = job.progress()
    _record(run, progress, scores)

    if state.b is None:  # one network: the network left, its output right, like TF Playground
        net_col, out_col = st.columns([3, 2], gap="medium")
        with net_col, st.container(key=f"pg-network-{side}"):  # keys give tests and styles a handle
            _network(side, state, network, run, model, maps)
            if not state.hides("grads"):
                _grad_norms(side, job, network)
        with out_col, st.container(key=f"pg-output-{side}"):
            _scores(side, run, scores)
            _plane(side, state, run, maps)
        return
    # A/B side by side: each half stacks its network, its numbers and its output plane, so A and B
    # line up row by row
    with st.container(key=f"pg-network-{side}"):
        _network(side, state, network, run, model, maps)
    with st.container(key=f"pg-output-{side}"):
        _scores(side, run, scores, inline=True)
        _plane(side, state, run, maps)
    if not state.hides("grads"):
        _grad_norms(side, job, network)


def _record(run: runs.Run, progress: dict, scores: dict) -> None:
    step = int(progress.get("step") or 0)
    if run.history and run.history[-1]["step"] == step and run.history[-1]["offset"] == run.epoch_offset:
        return
    if "train_loss" in scores:
        run.history.append(
            {
                "step": step,
                "offset": run.epoch_offset,
                "epoch": run.epoch(),
                "train_loss": scores["train_loss"],
                "test_loss": scores.get("test_loss", math.nan),
            }
        )
        del run.history[: -runs.HISTORY_LIMIT]


def _revision() -> int:
    return st.session_state.get(REVISION_KEY, 0)


def _network(side: str, state: pg.Playground, network: pg.Network, run: runs.Run, model, maps) -> None:
    edit = st.session_state.get(EDIT_KEY)
    selected = edit[1] if edit and edit[0] == side else None
    picture = plots.network_figure(
        maps, pg.network_weights(model, network), network, output_names(state, run.dataset), selected,
        min_rows=_tallest(state),
        width_px=540 if state.b is None else 430,  # about the network's share of a 1400 px window
    )  # fmt: skip
    editable = not state.hides("edit")
    event = st.plotly_chart(
        picture.figure,
        width="stretch",
        config=CHART_CONFIG,
        key=f"playground-network-{side}-{_revision()}",
        **({"on_select": "rerun", "selection_mode": "points"} if editable else {}),
    )
    if editable:
        clicked = _clicked_point(event, trace=0)
        if clicked is not None and clicked < len(picture.edges):
            st.session_state[EDIT_KEY] = (side, picture.edges[clicked])
            st.session_state[REVISION_KEY] = _revision() + 1  # the next draw starts without a selection
            selected = picture.edges[clicked]
        if selected is not None:
            _editor(side, network, selected)
    st.caption(
        "Each square shows that neuron's output over the plane (blue positive, orange negative). "
        "Lines are weights: blue positive, orange negative, thicker is larger."
        + (" Click one, or a neuron's small bias square, to type a new value." if editable else "")
    )


def _tallest(state: pg.Playground) -> int:
    """The most neurons in any column of any network shown, so A and B are drawn at the same scale."""
    outputs = pg.num_outputs(state)
    return max(max(len(n.features), outputs, *n.hidden) for n in state.networks().values())


def _clicked_point(event, trace: int) -> int | None:
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else []
    if not points and event is not None and hasattr(event, "selection"):
        points = event.selection.get("points", [])
    for point in points:
        if point.get("curve_number") == trace:
            return point.get("point_index", point.get("point_number"))
    return None


def _editor(side: str, network: pg.Network, edge: pg.Edge) -> None:
    what = _edge_label(network, edge)
    with st.form(key=f"playground-edit-{side}", border=True):
        value = st.number_input(f"New value for the {what}", value=float(edge.value), step=0.1, format="%.3f")
        set_col, close_col = st.columns(2)
        submitted = set_col.form_submit_button("Set value", type="primary", width="stretch")
        closed = close_col.form_submit_button("Close", width="stretch")
    if submitted:
        try:
            runs.set_parameter(side, edge, value)
        except dlcore.DlcoreError as err:
            show_error(err)
            return
        st.session_state.pop(EDIT_KEY, None)
        st.rerun(scope="fragment")
    if closed:
        st.session_state.pop(EDIT_KEY, None)
        st.rerun(scope="fragment")


def _edge_label(network: pg.Network, edge: pg.Edge) -> str:
    layer = "output" if edge.layer == "output" else f"hidden layer {edge.layer.removeprefix('hidden')}"
    target = f"neuron {edge.target + 1} of the {layer}"
    if edge.source is None:
        return f"bias of {target}"
    index = pg.layer_names(network).index(edge.layer)
    source = (
        pg.FEATURE_LABELS[network.features[edge.source]]
        if index == 0
        else f"neuron {edge.source + 1} of hidden layer {index}"
    )
    return f"weight from {source} to {target}"


def _grad_norms(side: str, job, network: pg.Network) -> None:
    latest = pg.latest_grad_norms(job.grad_norms(), network)
    if latest.empty:
        st.caption("Gradient norm per layer appears here once training starts.")
        return
    st.markdown("**Gradient norm per layer** (log scale: tiny bars near the input = vanishing gradients)")
    st.plotly_chart(
        plots.grad_norm_figure(latest), width="stretch", config=CHART_CONFIG, key=f"playground-grads-{side}"
    )


def _scores(side: str, run: runs.Run, scores: dict, inline: bool = False) -> None:
    """Epoch counter, test and training loss (and accuracy), and the small loss curve."""
    epoch = run.epoch()
    layout = "pg-inline" if inline else ""
    st.markdown(
        f"<div class='{layout}'><div class='pg-epoch'><span>Epoch</span> {epoch:,}</div>"
        + _score_line("Test loss", scores.get("test_loss"), "pg-test")
        + _score_line("Training loss", scores.get("train_loss"), "pg-train")
        + (
            _score_line("Test accuracy", scores.get("test_accuracy"), "pg-train", percent=True)
            if "test_accuracy" in scores
            else ""
        )
        + "</div>",
        unsafe_allow_html=True,
    )
    if run.history:
        st.plotly_chart(
            plots.loss_figure(run.history),
            width="stretch",
            config=CHART_CONFIG,
            key=f"playground-loss-{side}",
        )


def _plane(side: str, state: pg.Playground, run: runs.Run, maps) -> None:
    """The output over the plane with the data; with own points, clicking it adds one."""
    train, test = _points(run.dataset, "train"), _points(run.dataset, "test")
    # own points are added while paused (each one restarts training on the new data)
    clickable = state.dataset == "points" and not state.hides("points") and not runs.is_playing()
    figure = plots.boundary_figure(
        maps.boundary(state.task),
        state.task,
        train,
        test if state.show_test else None,
        state.discretize,
        clickable=clickable,
    )
    event = st.plotly_chart(
        figure,
        width="stretch",
        config=CHART_CONFIG,
        key=f"playground-plane-{side}-{_revision()}",
        **({"on_select": "rerun", "selection_mode": "points"} if clickable else {}),
    )
    st.caption(
        _legend(state, run.dataset) + (" · white rim: training, dark rim: test" if state.show_test else "")
    )
    if clickable:
        _add_clicked_point(event)


def _legend(state: pg.Playground, dataset) -> str:
    """What the plane's colours mean, in the same colours."""
    if state.task == "regression":
        return ":orange[■] −1 (and below) · white 0 · :blue[■] +1 (and above)"
    return " · ".join(f":{CLASS_COLOURS[i]}[■ {name}]" for i, name in enumerate(output_names(state, dataset)))


def _empty_plane(side: str, state: pg.Playground, problem: str | None) -> None:
    hint_col, plane_col = st.columns([3, 2], gap="medium")
    hint_col.info(
        "Your own data: click the plane to add a point of the class chosen on the left (or upload a CSV). "
        "Training starts once there are at least 10 points of two or more classes."
        + (f"\n\nNow: {problem}." if problem else ""),
        icon=":material/ads_click:",
    )
    points = [p[:2] for p in state.points]
    labels = [p[2] for p in state.points]
    figure = plots.boundary_figure(
        pg.empty_boundary(), "binary", (points, labels) if points else None, clickable=True, height=480
    )
    with plane_col, st.container(key=f"pg-output-{side}"):
        event = st.plotly_chart(
            figure,
            width="stretch",
            config=CHART_CONFIG,
            key=f"playground-plane-{side}-{_revision()}",
            on_select="rerun",
            selection_mode="points",
        )
    _add_clicked_point(event)


def _score_line(label: str, value, css: str, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        text = "–"
    else:
        text = f"{100 * value:.1f} %" if percent else f"{value:.3f}"
    return f"<div class='pg-score {css}'><span>{label}</span> {text}</div>"


def _points(dataset, split: str):
    raw = getattr(dataset, "raw_2d", None)
    if raw is None:
        return None
    targets = getattr(dataset, split)[1]
    return getattr(raw, split).numpy(), targets.numpy().reshape(len(targets), -1)[:, 0]


def _add_clicked_point(event) -> None:
    points = []
    if event is not None and hasattr(event, "selection"):
        points = event.selection.get("points", [])
    for point in points:
        x, y = point.get("x"), point.get("y")
        if point.get("curve_number") != 0 or x is None or y is None:
            continue  # only the click grid adds points, not a click on an existing point
        label = int(st.session_state.get(POINT_CLASS_KEY, 0))
        new = (round(float(x), 1), round(float(y), 1), label)
        current = state_store.current()
        if state_store.replace_state(_with_point(current, new)):
            st.session_state[REVISION_KEY] = _revision() + 1
            st.rerun()


def _with_point(state: pg.Playground, point: tuple[float, float, int]) -> pg.Playground:
    return replace(state, points=state.points + (point,))
