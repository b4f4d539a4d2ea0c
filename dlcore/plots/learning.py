"""Figures of the Learning page: the backprop stepper's network with its numbers, the optimizer race on a
surface (animated with Plotly frames), the learning-rate finder's curve and the schedules' plans.

Pure functions: data in, Plotly figure out. Weights are blue when positive and orange when negative (red
is for errors); gradients are written in purple, so forward and backward numbers never look alike.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dlcore.learning.backprop import Step, Trace, fmt, neuron_name
from dlcore.learning.lr_finder import LrFinding
from dlcore.learning.race import Surface, Track
from dlcore.plots.playground import png_uri
from dlcore.plots.style import evenly

POSITIVE, NEGATIVE, GRADIENT = "#0877bd", "#f59322", "#7b3fb5"
FONT = dict(family="Source Sans Pro, sans-serif", size=14, color="#31333f")
# one colour per optimizer, in the registry's order (the race's legend keeps them apart)
RACER_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")
RACE_FRAMES = 50  # frames of the animation: a race of any length plays in about 2.5 seconds
FRAME_MS = 50  # 20 frames a second asked of the browser
PITCH = 1.8  # vertical distance of two neurons in a layer (3 units between layers): room for the labels


# ---------------------------------------------------------------- backprop, one number at a time


def backprop_figure(trace: Trace, steps: list[Step], shown: int, height: int = 430) -> go.Figure:
    """The network with what the first `shown` of `steps` revealed: forward values (z, a) beside the
    nodes, gradients (∂L/∂z) under them in purple, every weight on its edge (its gradient once its
    neuron's backward step is shown, its new value after the update), the loss at the right; the node of
    the latest step is ringed. Names (w2[1,2]) are in the hover and in the step's arithmetic."""
    done = steps[:shown]
    forward = {(s.layer, s.index) for s in done if s.kind == "forward"}
    backward = {(s.layer, s.index) for s in done if s.kind == "backward"}
    kinds = {s.kind for s in done}
    current = (done[-1].layer, done[-1].index) if done else None
    widths = trace.net.widths

    def place(layer: int, index: int) -> tuple[float, float]:  # layers 3 units apart, neurons PITCH apart
        return layer * 3.0, ((widths[layer] - 1) / 2 - index) * PITCH

    fig = go.Figure()
    _edges(fig, trace, place, "update" in kinds, backward)
    xs, ys, rings = [], [], []
    biases = {(w.layer, w.target): w for w in trace.weights if w.source is None}
    for layer in trace.neurons:
        for neuron in layer:
            key = (neuron.layer, neuron.index)
            x, y = place(*key)
            xs.append(x)
            ys.append(y)
            rings.append(4 if key == current else 1.5)
            lines = [f"<b>{neuron_name(trace.net, *key)}</b>"]
            bias = biases.get(key)
            if bias is not None:  # the bias lives with its neuron: no label of its own to collide
                text, colour = _weight_label(bias, "update" in kinds, backward)
                lines.append(f"<span style='color:{colour}'>b {text}</span>")
            if neuron.layer == 0:
                lines.append(f"a = {fmt(neuron.a)}")
            elif key in forward:
                lines += [f"z = {fmt(neuron.z)}", f"a = {fmt(neuron.a)}"]
            if key in backward:
                lines.append(f"<span style='color:{GRADIENT}'>∂L/∂z = {fmt(neuron.dl_dz)}</span>")
            # left of the node: incoming edges carry their labels near their source, far from here
            fig.add_annotation(
                x=x - 0.3,
                y=y,
                text="<br>".join(lines),
                showarrow=False,
                xanchor="right",
                align="right",
                font=FONT,
                bgcolor="rgba(255,255,255,0.85)",
            )
    fig.add_trace(
        go.Scatter(
            x=xs,
            y=ys,
            mode="markers",
            marker=dict(size=30, color="#f0f2f6", line=dict(color="#31333f", width=rings)),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    if "loss" in kinds:
        x, _ = place(len(widths) - 1, 0)
        fig.add_annotation(
            x=x + 0.4,
            y=0,
            text=f"<b>L = {fmt(trace.loss)}</b>",
            showarrow=False,
            xanchor="left",
            font={**FONT, "size": 17},
        )
    top = (max(widths) - 1) / 2 * PITCH
    fig.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(visible=False, range=[-1.6, (len(widths) - 1) * 3.0 + 2.6]),
        yaxis=dict(visible=False, range=[-top - 0.8, top + 0.8]),
        plot_bgcolor="white",
        paper_bgcolor="white",
        template="none",
    )
    return fig


def _weight_label(w, updated: bool, backward: set) -> tuple[str, str]:
    """What a weight's label says now, and its colour: its value, then its gradient, then its new value."""
    if updated:
        return f"→ {fmt(w.new_value)}", "#31333f"
    if (w.layer, w.target) in backward:
        return f"∂ {fmt(w.grad)}", GRADIENT
    return fmt(w.value), POSITIVE if w.value >= 0 else NEGATIVE


def _edges(fig: go.Figure, trace: Trace, place, updated: bool, backward: set) -> None:
    """Each weight as a line (blue +, orange −, thicker when larger) with its label a third of the way
    along (edges into one neuron meet at it, crossing edges cross half-way: a third along is clear)."""
    for w in trace.weights:
        text, colour = _weight_label(w, updated, backward)
        font = {**FONT, "size": 13, "color": colour}
        x1, y1 = place(w.layer, w.target)
        if w.source is None:  # drawn with its neuron
            continue
        x0, y0 = place(w.layer - 1, w.source)
        line = dict(color=POSITIVE if w.value >= 0 else NEGATIVE, width=1 + 3 * min(1.0, abs(w.value)))
        fig.add_trace(
            go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", line=line, hoverinfo="skip", showlegend=False)
        )
        at = 0.27
        fig.add_annotation(
            x=x0 + (x1 - x0) * at,
            y=y0 + (y1 - y0) * at,
            text=text,
            showarrow=False,
            font=font,
            bgcolor="rgba(255,255,255,0.9)",
            hovertext=w.name,
        )


# ---------------------------------------------------------------- the optimizer race


def race_figure(
    surface: Surface, tracks: dict[str, Track], labels: dict[str, str], height: int = 400
) -> go.Figure:
    """The surface's contours (log-spaced) with each racer's path, and the loss above the lowest value
    against the step beside it; Play runs the race as an animation of RACE_FRAMES frames."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.58, 0.42],
        horizontal_spacing=0.08,
        subplot_titles=(f"{surface.title}: paths from the same start", "Loss above the minimum"),
    )
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    # the surface as a picture behind the paths: Plotly.js drops contour traces once an animation plays
    fig.add_layout_image(
        source=png_uri(_shaded(surface)),
        xref="x",
        yref="y",
        x=x0,
        y=y1,
        sizex=x1 - x0,
        sizey=y1 - y0,
        sizing="stretch",
        layer="below",
    )
    fig.add_trace(
        go.Scatter(
            x=[m[0] for m in surface.minima],
            y=[m[1] for m in surface.minima],
            mode="markers",
            marker=dict(symbol="star", size=14, color="#31333f"),
            name="minimum",
            showlegend=False,
        ),
        row=1,
        col=1,
    )
    steps = max(len(t.losses) for t in tracks.values()) - 1
    moments = evenly(steps + 1, RACE_FRAMES)
    colours = {name: RACER_COLOURS[i % len(RACER_COLOURS)] for i, name in enumerate(tracks)}
    for curve in _loss_curves(surface, tracks, colours):
        fig.add_trace(curve, row=1, col=2)
    for trace in _racers(surface, tracks, labels, colours, int(moments[-1])):
        fig.add_trace(trace["trace"], row=1, col=trace["col"])
    first = 1 + len(tracks)  # after the minima and the loss curves: what the frames move
    racer_ids = list(range(first, first + 3 * len(tracks)))
    fig.frames = [
        go.Frame(
            # only the moving numbers: a frame's data is merged into the traces it names
            data=[
                go.Scatter(x=t["trace"].x, y=t["trace"].y)
                for t in _racers(surface, tracks, labels, colours, int(at))
            ],
            traces=racer_ids,
            name=str(int(at)),
        )
        for at in moments
    ]
    _race_layout(fig, surface, tracks, height, moments)
    return fig


def _shaded(surface: Surface, size: int = 200, bands: int = 16) -> np.ndarray:
    """The surface's height as bands of grey, light in the valleys (like filled contours), (size, size, 3)
    with row 0 at the bottom; banded on a log scale, so the valley floors show as well as the walls."""
    _, _, zs = surface.grid(size)
    heights = np.log10(zs - surface.lowest + 1e-3)
    spread = np.clip((heights - heights.min()) / max(np.ptp(heights), 1e-12), 0, 1)
    level = np.floor(spread * bands) / bands
    return np.repeat((252 - 90 * level)[..., None], 3, axis=2).astype(np.uint8)


def _above_lowest(surface: Surface, losses: np.ndarray) -> np.ndarray:
    return np.maximum(losses - surface.lowest, 1e-12)


def _loss_curves(surface: Surface, tracks: dict[str, Track], colours) -> list[go.Scatter]:
    """Each racer's whole loss curve, faint (the frames move a marker along it)."""
    return [
        go.Scatter(
            x=np.arange(len(track.losses)),
            y=_compact(_above_lowest(surface, track.losses)),
            mode="lines",
            line=dict(color=colours[name], width=1.5),
            opacity=0.5,
            legendgroup=name,
            showlegend=False,
            hoverinfo="skip",
        )
        for name, track in tracks.items()
    ]


def _compact(values: np.ndarray) -> np.ndarray:
    """Values with 4 significant digits: what a chart shows, and a frame's JSON a third as long."""
    return np.array([float(f"{v:.4g}") for v in values])


def _racers(surface: Surface, tracks: dict[str, Track], labels, colours, at: int) -> list[dict]:
    """Each racer's path up to step `at`, where it is then, and its marker on its loss curve (3 traces
    per racer; float32 keeps the frames' JSON small)."""
    out = []
    for name, track in tracks.items():
        upto = min(at, len(track.points) - 1)
        gone = f" (left the map at step {track.diverged_at})" if track.diverged_at is not None else ""
        path = track.points[: upto + 1].astype(np.float32)
        line = go.Scatter(
            x=path[:, 0],
            y=path[:, 1],
            mode="lines",
            line=dict(color=colours[name], width=2.5),
            name=labels.get(name, name) + gone,
            legendgroup=name,
        )
        marker = dict(size=11, color=colours[name], line=dict(color="white", width=1))
        head = go.Scatter(
            x=path[-1:, 0], y=path[-1:, 1], mode="markers", marker=marker, legendgroup=name, showlegend=False
        )
        loss = _above_lowest(surface, track.losses[upto : upto + 1]).astype(np.float32)
        here = go.Scatter(x=[upto], y=loss, mode="markers", marker=marker, legendgroup=name, showlegend=False)
        out += [{"trace": line, "col": 1}, {"trace": head, "col": 1}, {"trace": here, "col": 2}]
    return out


def _race_layout(fig: go.Figure, surface: Surface, tracks, height: int, moments) -> None:
    steps = int(moments[-1])
    lows = [float(_above_lowest(surface, t.losses).min()) for t in tracks.values()]
    highs = [float(_above_lowest(surface, t.losses).max()) for t in tracks.values()]
    # from the first frame each time: Play after the race ended plays it again
    play = dict(frame=dict(duration=FRAME_MS, redraw=False), transition=dict(duration=0), fromcurrent=False)
    fig.update_layout(
        height=height,
        margin=dict(l=50, r=10, t=60, b=50),
        template="none",
        font=dict(size=13),
        legend=dict(orientation="h", y=1.08, x=0, yanchor="bottom", font=dict(size=12)),
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                x=0,
                y=-0.09,
                xanchor="left",
                yanchor="top",
                showactive=False,
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, play]),
                    dict(
                        label="❚❚ Pause",
                        method="animate",
                        args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))],
                    ),
                ],
            )
        ],
    )
    fig.update_xaxes(
        range=list(surface.x_range), showgrid=False, zeroline=False, row=1, col=1
    )  # no title: Play sits below
    fig.update_yaxes(
        range=list(surface.y_range), title_text="y", showgrid=False, zeroline=False, row=1, col=1
    )
    fig.update_xaxes(range=[0, steps], title_text="step", row=1, col=2)
    low, high = math.log10(max(min(lows), 1e-12)), math.log10(max(highs))
    fig.update_yaxes(type="log", range=[low - 0.2, high + 0.2], dtick=1, row=1, col=2)


# ---------------------------------------------------------------- learning rates


def lr_finder_figure(finding: LrFinding, height: int = 340) -> go.Figure:
    """Loss against learning rate (log axis): each step's loss faint, the smoothed loss bold, and the
    suggestion as a vertical line named with its rule."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=finding.lrs, y=finding.losses, mode="lines", line=dict(color="#c7c9cf", width=1), name="loss"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=finding.lrs,
            y=finding.smoothed,
            mode="lines",
            line=dict(color=POSITIVE, width=3),
            name="smoothed",
        )
    )
    if finding.suggestion is not None:
        fig.add_vline(x=finding.suggestion, line=dict(color="#2ca02c", width=2, dash="dash"))
        fig.add_annotation(
            x=math.log10(finding.suggestion),
            y=1,
            yref="paper",
            text=f"suggested: {finding.suggestion:.2g}",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={**FONT, "color": "#2ca02c"},
        )
    finite = finding.smoothed[np.isfinite(finding.smoothed)]
    top = float(min(finite.max(), 2 * finite[: max(1, len(finite) // 5)].max())) if len(finite) else 1.0
    fig.update_layout(
        height=height,
        margin=dict(l=50, r=10, t=30, b=40),
        template="none",
        xaxis=dict(type="log", title="learning rate"),
        yaxis=dict(title="training loss", range=[0, top * 1.1]),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
    )
    return fig


def schedule_figure(curves: dict[str, np.ndarray], chosen: str, labels: dict[str, str], height: int = 300):
    """The learning rate at each step under every schedule, the chosen one bold and the others faint."""
    fig = go.Figure()
    for i, (name, lrs) in enumerate(curves.items()):
        keep = evenly(len(lrs), 400)
        fig.add_trace(
            go.Scatter(
                x=keep + 1,
                y=lrs[keep],
                mode="lines",
                name=labels.get(name, name) + (" (chosen)" if name == chosen else ""),
                line=dict(color=RACER_COLOURS[i % len(RACER_COLOURS)], width=4 if name == chosen else 1.5),
                opacity=1.0 if name == chosen else 0.45,
            )
        )
    fig.update_layout(
        height=height,
        margin=dict(l=50, r=10, t=30, b=40),
        template="none",
        xaxis=dict(title="step"),
        yaxis=dict(title="learning rate", rangemode="tozero"),
        legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"),
    )
    return fig
