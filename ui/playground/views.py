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
from dlcore import plots
from ui.errors import show_error
from ui.live import load_factor, rerun_if_load_changed, scaled
from ui.playground import STATE, runs
from ui.rewind import chosen_step, rewind_slider, rewound_model
from ui.state import PLAYGROUND_EDIT as EDIT_KEY
from ui.steady_chart import steady_chart

POLL_S = 0.1  # seconds between polls: 10 a second asked, so at least 5 arrive on a busy server
IDLE_POLL_S = 5.0  # while paused: only the heartbeat that keeps this tab's paused networks alive
REWIND_POLL_S = 1.0  # while playing: the rewind slider takes in the moments kept since
RESOLUTION = 50  # grid points per axis for every neuron's picture
NETWORK_WIDTH_PX = 310  # about the width the network's column gets at 1280x720 (the height follows from it)
POINT_CLASS_KEY = "playground_point_class"
CHART_CONFIG = {"displayModeBar": False}
CLASS_COLOURS = ("orange", "blue", "green", "violet", "red")  # Streamlit's names for the plots' class colours
STYLE = """<style>
.pg-epoch {font-size: 1.3rem; font-weight: 600; font-variant-numeric: tabular-nums; line-height: 1.1;}
.pg-epoch span, .pg-score span {font-size: 0.75rem; font-weight: 400; text-transform: uppercase;
  letter-spacing: 0.05em; color: #6b6f76; margin-right: 0.3rem;}
.pg-score {font-size: 1rem; font-variant-numeric: tabular-nums; white-space: nowrap;}
.pg-test {font-weight: 600;}
.pg-inline {display: flex; flex-wrap: wrap; align-items: baseline; column-gap: 0.9rem;}
/* a projector (1280x720) has no room to spare: less padding around the page, a smaller title */
[data-testid="stMainBlockContainer"] {padding: 3.5rem 1.25rem 3rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 1.7rem; padding: 0;}
[class*="st-key-pg-dataset-"] button {padding-left: 0.2rem; padding-right: 0.2rem;}
/* feature pills and the point classes wrap onto a second row instead of scrolling out of a narrow column */
[class*="st-key-pg-"][class*="-features"] [role="toolbar"],
.st-key-playground_point_class [role="radiogroup"] {flex-wrap: wrap; overflow: visible;}
</style>"""


def output_names(state: pg.Playground, dataset) -> list[str]:
    if state.task == "regression":
        return ["value"]
    names = list(getattr(dataset, "class_names", None) or [])
    return (
        names if len(names) == pg.num_outputs(state) else [f"class {i}" for i in range(pg.num_outputs(state))]
    )


def network_panel(side: str, state: pg.Playground) -> None:
    """One network's live picture: every neuron's map, the weights, and the gradient norm per layer."""
    _live(side, state, _draw_network, report=False)


def output_panel(side: str, state: pg.Playground) -> None:
    """One network's live output: epoch and losses, the decision boundary over the data, the loss curve."""
    _live(side, state, _draw_output, report=True)


def _live(side: str, state: pg.Playground, draw, report: bool) -> None:
    """`draw(side, state, run, model, maps, rewound)` in a fragment that polls while playing (once per side
    and view; `rewound`: the step the model is shown at, None when live). The output panel (`report`) says
    what went wrong; the network panel then stays quiet."""
    playing = runs.is_playing()
    factor = load_factor()

    @st.fragment(run_every=scaled(POLL_S, factor) if playing else IDLE_POLL_S)
    def live() -> None:
        latest = _latest(side, state, playing, report)
        if latest is not None:
            draw(side, state, *latest)
        if playing:
            rerun_if_load_changed(factor)

    live()


def _latest(side: str, state: pg.Playground, playing: bool, report: bool):
    """(run, model, neuron maps, rewound) from a fresh snapshot of the side's model (or the one rewound to),
    or None when there is none."""
    run = runs.runs().get(side)
    if run is None:
        return None
    if run.job is None:
        if report and state.dataset == "points":  # too few points yet: show the plane to click on
            _empty_plane(side, state, run.error)
        elif report:
            show_error(run.error or "this network could not start")
        return None
    job = run.job
    job.heartbeat()
    if runs.failed(run) and report:
        show_error(job.error or "training failed")
        if playing:  # stop playing (once): the message stays until the settings change
            runs.pause()
            st.rerun()
    elif not job.alive and not runs.failed(run):
        st.rerun()  # the page starts a job that continues from these weights (its time limit was reached)
    past = rewound_model(job, rewind_key(side))
    try:
        model = past if past is not None else job.snapshot()
    except dlcore.DlcoreError:
        st.rerun()
        return None
    rewound = chosen_step(job, rewind_key(side)) if past is not None else None
    return run, model, pg.neuron_maps(model, state.networks()[side], RESOLUTION), rewound


def rewind_panel(state: pg.Playground) -> None:
    """A slider per network that shows it as it was at a moment its training kept (ui.rewind). Each is
    redrawn in a fragment of its own, so the moments kept since appear; a pick redraws the views at once."""
    for side in state.networks():
        _rewind_slider(side, "Rewind" if state.b is None else f"Rewind network {side}")


def _rewind_slider(side: str, label: str) -> None:
    @st.fragment(run_every=REWIND_POLL_S if runs.is_playing() else IDLE_POLL_S)
    def panel() -> None:
        run = runs.runs().get(side)
        if run is None:
            return
        shown = chosen_step(run.job, rewind_key(side))
        if rewind_slider(run.job, rewind_key(side), label) != shown:
            st.rerun()  # the whole page: the views' own fragments poll rarely while paused

    panel()


def rewind_key(side: str) -> str:
    return f"pg-rewind-{side}"


def _draw_network(side: str, state: pg.Playground, run: runs.Run, model, maps, rewound: int | None) -> None:
    network = state.networks()[side]
    with st.container(key=f"pg-network-{side}"):  # keys give tests and styles a handle
        _network(side, state, network, run, model, maps, editable=rewound is None and not state.hides("edit"))
        if not state.hides("grads"):
            _grad_norms(side, run.job, network)


def _draw_output(side: str, state: pg.Playground, run: runs.Run, model, maps, rewound: int | None) -> None:
    scores = pg.evaluate(model, run.dataset, pg.loss_name(state, state.networks()[side]))
    if rewound is None:  # the past is only looked at: training continues from, and charts, the live weights
        run.weights = model.state_dict()
        _record(run, run.job.progress(), scores)
    with st.container(key=f"pg-output-{side}"):
        _scores(run, scores, rewound)
        _plane(side, state, run, maps)
        _loss_curve(side, run)


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


def _network(
    side: str, state: pg.Playground, network: pg.Network, run: runs.Run, model, maps, editable: bool
) -> None:
    edit = st.session_state.get(EDIT_KEY)
    selected = edit[1] if edit and edit[0] == side else None
    picture = plots.network_figure(
        maps, pg.network_weights(model, network), network, output_names(state, run.dataset), selected,
        min_rows=_tallest(state),
        width_px=NETWORK_WIDTH_PX,
    )  # fmt: skip
    clicks = steady_chart(picture.figure, f"playground-network-{side}", CHART_CONFIG)
    if editable:
        clicked = _clicked_point(clicks, trace=0)
        if clicked is not None and clicked < len(picture.edges):
            st.session_state[EDIT_KEY] = (side, picture.edges[clicked])
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


def _clicked_point(clicks: list[dict], trace: int) -> int | None:
    for point in clicks:
        if point.get("curve_number") == trace:
            return point.get("point_index")
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
    steady_chart(plots.grad_norm_figure(latest), f"playground-grads-{side}", CHART_CONFIG)


def _scores(run: runs.Run, scores: dict, rewound: int | None) -> None:
    """Epoch counter (or the step rewound to), test and training loss (and accuracy) on one line above
    the output."""
    when = (
        f"<span>Epoch</span> {run.epoch():,}"
        if rewound is None
        else f"<span>Rewound to step</span> {rewound:,}"
    )
    st.markdown(
        f"<div class='pg-inline'><div class='pg-epoch'>{when}</div>"
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


def _loss_curve(side: str, run: runs.Run) -> None:
    if run.history:
        steady_chart(plots.loss_figure(run.history), f"playground-loss-{side}", CHART_CONFIG)


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
        height=420 if state.b is None else 360,  # about square in its column: A and B share the width
    )
    clicks = steady_chart(figure, f"playground-plane-{side}", CHART_CONFIG)
    st.caption(
        _legend(state, run.dataset) + (" · white rim: training, dark rim: test" if state.show_test else "")
    )
    if clickable:
        _add_clicked_point(clicks)


def _legend(state: pg.Playground, dataset) -> str:
    """What the plane's colours mean, in the same colours."""
    if state.task == "regression":
        return ":orange[■] −1 (and below) · white 0 · :blue[■] +1 (and above)"
    return " · ".join(f":{CLASS_COLOURS[i]}[■ {name}]" for i, name in enumerate(output_names(state, dataset)))


def _empty_plane(side: str, state: pg.Playground, problem: str | None) -> None:
    st.info(
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
    with st.container(key=f"pg-output-{side}"):
        clicks = steady_chart(figure, f"playground-plane-{side}", CHART_CONFIG)
    _add_clicked_point(clicks)


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


def _add_clicked_point(clicks: list[dict]) -> None:
    for point in clicks:
        x, y = point.get("x"), point.get("y")
        if point.get("curve_number") != 0 or x is None or y is None:
            continue  # only the click grid adds points, not a click on an existing point
        label = int(st.session_state.get(POINT_CLASS_KEY, 0))
        new = (round(float(x), 1), round(float(y), 1), label)
        if STATE.replace(_with_point(STATE.current(), new)):
            st.rerun()


def _with_point(state: pg.Playground, point: tuple[float, float, int]) -> pg.Playground:
    return replace(state, points=state.points + (point,))
