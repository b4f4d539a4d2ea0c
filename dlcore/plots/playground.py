"""Figures of the 2-D playground: the network with a picture in every neuron, the decision boundary,
a small loss curve and the gradient norm per layer. Pure functions: data in, Plotly figure out.

Colours follow TF Playground: orange for negative (class 0), blue for positive (class 1), white at 0.
Neuron pictures are small PNGs placed as layout images (cheap to redraw several times a second);
lines are `go.Scatter` with few points, and `uirevision` keeps the user's zoom between redraws.
"""

from __future__ import annotations

import base64
import bisect
import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dlcore.playground import EXTENT, FEATURE_LABELS, Edge, Network, NeuronMaps
from dlcore.plots.style import (
    fast_figure,
)

NEGATIVE = np.array([245, 147, 34], dtype=np.float32)  # orange
POSITIVE = np.array([8, 119, 189], dtype=np.float32)  # blue
NEUTRAL = np.array([232, 234, 235], dtype=np.float32)  # light grey-white
CLASS_COLOURS = np.array(
    [[245, 147, 34], [8, 119, 189], [46, 158, 87], [142, 92, 201], [214, 69, 80]], dtype=np.float32
)
FONT = dict(family="Source Sans Pro, sans-serif", size=13, color="#31333f")
ACTIVATION_LABELS = {
    "tanh": "tanh",
    "relu": "ReLU",
    "sigmoid": "sigmoid",
    "linear": "linear",
    "leaky_relu": "leaky ReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU",
}


def _hex(rgb: np.ndarray) -> str:
    r, g, b = (int(v) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def diverging_rgb(values: np.ndarray) -> np.ndarray:
    """Values in [-1, 1] (clipped) -> (…, 3) uint8: orange below 0, white at 0, blue above."""
    t = np.clip(np.nan_to_num(values), -1.0, 1.0)[..., None]
    rgb = np.where(t < 0, NEUTRAL + (NEGATIVE - NEUTRAL) * -t, NEUTRAL + (POSITIVE - NEUTRAL) * t)
    return rgb.astype(np.uint8)


def class_rgb(probs: np.ndarray) -> np.ndarray:
    """Class probabilities (K, R, R) -> (R, R, 3) uint8: the classes' colours mixed by probability,
    fading to white where the model is unsure."""
    k = probs.shape[0]
    mix = np.einsum("kn,kc->nc", probs.reshape(k, -1), CLASS_COLOURS[:k]).reshape(*probs.shape[1:], 3)
    confidence = ((probs.max(axis=0) - 1 / k) / (1 - 1 / k))[..., None]
    return (NEUTRAL + (mix - NEUTRAL) * confidence).astype(np.uint8)


def png_bytes(rgb: np.ndarray) -> bytes:
    """(H, W, 3) uint8 with row 0 at the bottom of the plane -> PNG bytes (row 0 at the top)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb[::-1]), "RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def png_uri(rgb: np.ndarray) -> str:
    """Like `png_bytes`, as a data URI for a Plotly layout image."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(rgb)).decode()


def dataset_thumbnail(points: np.ndarray, targets: np.ndarray, task: str, size: int = 80) -> bytes:
    """A small square picture of a dataset's points (PNG bytes), for the dataset picker: classes in their
    colours, regression targets from orange (-1) to blue (+1)."""
    canvas = np.full((size, size, 3), 245, dtype=np.uint8)
    points = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    pixels = np.clip(((points + EXTENT) / (2 * EXTENT) * (size - 2)).round().astype(int), 0, size - 2)
    targets = np.asarray(targets).ravel()
    if task == "regression":
        colours = diverging_rgb(targets.astype(np.float32))
    else:
        colours = CLASS_COLOURS[targets.astype(int) % len(CLASS_COLOURS)].astype(np.uint8)
    for dx in (0, 1):  # 2x2 dots
        for dy in (0, 1):
            canvas[pixels[:, 1] + dy, pixels[:, 0] + dx] = colours
    return png_bytes(canvas)


def _scaled(planes: np.ndarray) -> np.ndarray:
    """Map each neuron's outputs (N, R, R) into [-1, 1]: bounded activations as they are, larger ones by
    their peak."""
    return planes / np.maximum(1.0, np.abs(planes).max(axis=(1, 2), keepdims=True))


def _sprite(planes: np.ndarray, corners: list[tuple[float, float]], size: float, box: tuple) -> dict:
    """Every neuron's picture painted into one image covering `box` = (left, top, width, height) in data
    units: one PNG per redraw instead of one per neuron (each encode hands the GIL to training threads
    and waits to get it back). `corners` are the pictures' top-left corners."""
    planes = planes[:, :: max(1, planes.shape[-1] // THUMBNAIL), :: max(1, planes.shape[-1] // THUMBNAIL)]
    resolution = planes.shape[-1]
    per_unit = resolution / size
    left, top, width, height = box
    shape = (int(round(height * per_unit)) + resolution, int(round(width * per_unit)) + resolution, 3)
    canvas = np.full(shape, 255, dtype=np.uint8)
    pictures = diverging_rgb(_scaled(planes))[:, ::-1]  # (N, R, R, 3), row 0 at the top
    for picture, (x, y) in zip(pictures, corners, strict=True):
        col, row = int(round((x - left) * per_unit)), int(round((top - y) * per_unit))
        canvas[row : row + resolution, col : col + resolution] = picture
    return dict(source=png_uri(canvas[::-1]), xref="x", yref="y", x=left, y=top, sizex=shape[1] / per_unit,
                sizey=shape[0] / per_unit, sizing="stretch", layer="below")  # fmt: skip


def boundary_rgb(boundary: np.ndarray, task: str, discretize: bool) -> np.ndarray:
    """The output picture: (R, R) in [-1, 1] or (K, R, R) probabilities -> (R, R, 3) uint8."""
    if task == "multiclass":
        probs = boundary
        if discretize:
            probs = np.eye(len(probs), dtype=np.float32)[probs.argmax(axis=0)].transpose(2, 0, 1)
        return class_rgb(probs)
    values = np.sign(boundary) if discretize else boundary
    return diverging_rgb(values * 0.85)  # a little lighter than the points so they stand out


@dataclass
class NetworkPicture:
    """The network figure and, in the order of its clickable trace (trace 0), the weights and biases."""

    figure: go.Figure
    edges: list[Edge]


def network_figure(
    maps: NeuronMaps,
    weights: list[tuple[np.ndarray, np.ndarray]],
    network: Network,
    output_names: list[str],
    selected: Edge | None = None,
    min_rows: int = 0,
    width_px: int = 620,
) -> NetworkPicture:
    """Neurons as small heatmaps in columns (input, hidden..., output); edges blue (+) / orange (−),
    thicker for larger weights; a small square at each neuron's corner is its bias. Hover shows every
    value; clicking a weight or bias selects it (trace 0, point i = `edges[i]`). `min_rows` draws room
    for at least that many neurons per column (two networks side by side at the same scale); `width_px`
    is the width the chart will get on the page, which sets its height."""
    columns = [maps.inputs] + list(maps.hidden) + [maps.output]
    tallest = max(min_rows, *(len(c) for c in columns))
    size, gap = 0.52, 0.74  # node side and vertical pitch, in data units (one column = 1.6 units)
    pitch = 1.6
    margin = dict(l=46, r=76, t=8, b=8)
    # Neurons keep a minimum size: a network too wide for `width_px` wraps onto rows (bands) of columns,
    # each band starting with a copy of the column the previous one ended with, so edges never leave a band.
    fits = int(((width_px - margin["l"] - margin["r"]) * size / MIN_NEURON_PX - size) / pitch) + 1
    drawn = wrapped_columns(len(columns), max(2, fits))  # (column, band, slot) of every column drawn
    band_pitch = (tallest - 1) * gap + size + 1.45  # one band of neurons and the titles of the next
    source_of = {col: (band, slot) for col, band, slot in drawn}  # the last copy: where its edges start
    place_of = {col: (band, slot) for col, band, slot in reversed(drawn)}  # the first: where edges end

    def centre(col: int, row: int, at: tuple[int, int] | None = None) -> tuple[float, float]:
        band, slot = at or place_of[col]
        offset = (tallest - len(columns[col])) * gap / 2  # centre short columns vertically
        return slot * pitch, -(band * band_pitch + row * gap + offset)

    node_x, node_y, node_text, node_planes = [], [], [], []
    for col, band, slot in drawn:
        for row in range(len(columns[col])):
            x, y = centre(col, row, (band, slot))
            node_x.append(x)
            node_y.append(y)
            node_text.append(_node_label(col, row, len(columns), network, output_names))
        node_planes.append(columns[col])
    last = len(columns) - 1
    slots = max(slot for _, _, slot in drawn) + 1
    bands = drawn[-1][1] + 1
    y_range = [-(bands - 1) * band_pitch - (tallest - 1) * gap - 0.5, 1.25]
    x_range = [-size / 2 - 0.05, (slots - 1) * pitch + size / 2 + 0.05]
    # Equal scales keep neurons square; the height that fills `width_px` leaves no empty margins. The
    # input and output names sit in fixed pixel margins, so they fit at any scale.
    per_unit = min(MAX_PIXELS_PER_UNIT, (width_px - margin["l"] - margin["r"]) / (x_range[1] - x_range[0]))
    top = size / 2
    box = (-size / 2, top, (slots - 1) * pitch + size, (bands - 1) * band_pitch + (tallest - 1) * gap + size)
    corners = [(x - size / 2, y + size / 2) for x, y in zip(node_x, node_y, strict=True)]
    images = [_sprite(np.concatenate(node_planes), corners, size, box)]

    # Edges, bucketed by sign and |weight| so a few traces draw them all.
    buckets: dict[tuple[bool, int], tuple[list, list]] = {}
    click_x, click_y, click_text, click_colour, click_size, edges = [], [], [], [], [], []
    layer_names = [f"hidden{i}" for i in range(1, len(network.hidden) + 1)] + ["output"]
    for layer, ((weight, bias), name) in enumerate(zip(weights, layer_names, strict=True)):
        for target in range(weight.shape[0]):
            tx, ty = centre(layer + 1, target)
            for source in range(weight.shape[1]):
                sx, sy = centre(layer, source, source_of[layer])
                w = float(weight[target, source])
                xs, ys = buckets.setdefault((w >= 0, _width_bucket(w)), ([], []))
                xs += [sx + size / 2, tx - size / 2, np.nan]
                ys += [sy, ty, np.nan]
                t = 0.7  # the click point sits near the target end, where edges fan apart least
                click_x.append(sx + size / 2 + (tx - sx - size) * t)
                click_y.append(sy + (ty - sy) * t)
                into = _node_name(layer + 1, target, network, output_names)
                click_text.append(
                    f"weight {_node_name(layer, source, network)} → {into}<br><b>{w:.3f}</b>{EDIT}"
                )
                click_colour.append(0.0)  # a weight's click point is invisible (see CLICK_COLOURS)
                click_size.append(11)
                edges.append(Edge(name, target, source, w))
            b = float(bias[target])
            click_x.append(tx - size / 2)  # the bias: a small square on the neuron's lower left corner
            click_y.append(ty - size / 2)
            into = _node_name(layer + 1, target, network, output_names)
            click_text.append(f"bias of {into}<br><b>{b:.3f}</b>{EDIT}")
            click_colour.append(1.0 if b >= 0 else -1.0)
            click_size.append(5 + 2.5 * min(abs(b), 2.0))
            edges.append(Edge(name, target, None, b))

    data = []
    data.append(
        dict(
            type="scatter",
            x=np.array(click_x),
            y=np.array(click_y),
            mode="markers",
            marker=dict(
                size=np.array(click_size),
                color=np.array(click_colour),
                colorscale=CLICK_COLOURS,
                cmin=-1,
                cmax=1,
                symbol="square",
                line=dict(width=0),
            ),
            hovertext=click_text,
            hoverinfo="text",
            name="weights",
            showlegend=False,
        )
    )
    for (positive, bucket), (xs, ys) in sorted(buckets.items()):
        data.append(
            dict(
                type="scatter",
                x=np.array(xs),
                y=np.array(ys),
                mode="lines",
                line=dict(color=_hex(POSITIVE if positive else NEGATIVE), width=WIDTHS[bucket]),
                opacity=0.35 + 0.1 * bucket,
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if selected is not None:
        data += _highlight(selected, edges, click_x, click_y)
    data.append(
        dict(
            type="scatter",
            x=np.array(node_x),
            y=np.array(node_y),
            mode="markers",
            marker=dict(size=34, color="rgba(0,0,0,0)", symbol="square"),
            hovertext=node_text,
            hoverinfo="text",
            showlegend=False,
        )
    )
    wordy = pitch * per_unit >= 72  # room for "4 neurons" above each column
    annotations = _column_titles(columns, drawn, network, centre, band_pitch, wordy)
    annotations += [
        dict(  # in the left margin: x in paper units, so the names fit at any scale
            x=0,
            xref="paper",
            xshift=-4,
            y=centre(0, r)[1],
            text=FEATURE_LABELS[f],
            showarrow=False,
            xanchor="right",
            font=dict(size=13),
        )
        for r, f in enumerate(network.features)
    ]
    annotations += [
        dict(  # beside the output column, wherever the wrapping put it; long names run into the margin
            x=centre(last, r)[0] + size / 2,
            xshift=4,
            y=centre(last, r)[1],
            text=n,
            showarrow=False,
            xanchor="left",
            font=dict(size=12),
        )
        for r, n in enumerate(output_names)
    ]
    height = int(16 + (y_range[1] - y_range[0]) * per_unit)
    layout = dict(
        images=images,
        annotations=annotations,
        height=height,
        margin=margin,
        xaxis=dict(visible=False, range=x_range, fixedrange=True, constrain="domain"),
        # equal scales keep the neurons square; the height fits a ~600 px wide column without margins
        yaxis=dict(visible=False, range=y_range, fixedrange=True, scaleanchor="x", constrain="domain"),
        plot_bgcolor="white",
        paper_bgcolor="white",
        font=FONT,
        hovermode="closest",
        dragmode=False,
        uirevision="network",
        clickmode="event+select",
    )
    return NetworkPicture(fast_figure(data, layout), edges)


MAX_PIXELS_PER_UNIT = 95  # neurons at most ~50 px: small networks do not grow huge
MIN_NEURON_PX = 18  # neurons at least this big: a wider network wraps onto rows instead of shrinking
THUMBNAIL = 25  # pixels per neuron picture: shown at ~45 px, smooth enough, and 4x cheaper than 50
# numbers as marker colours (one array, no list of strings): -1 orange bias, 0 invisible weight, 1 blue bias
CLICK_COLOURS = [[0.0, _hex(NEGATIVE)], [0.5, "rgba(0,0,0,0)"], [1.0, _hex(POSITIVE)]]
EDIT = " (click to edit)"
WIDTHS = (0.6, 1.2, 2.0, 3.0, 4.2, 5.6)
_BOUNDS = (0.1, 0.3, 0.6, 1.0, 1.6)


def _width_bucket(w: float) -> int:
    return bisect.bisect_left(_BOUNDS, abs(w))


def _highlight(selected: Edge, edges: list[Edge], xs: list[float], ys: list[float]) -> list[dict]:
    """A ring around the weight or bias being edited."""
    return [
        dict(
            type="scatter",
            x=[xs[i]],
            y=[ys[i]],
            mode="markers",
            hoverinfo="skip",
            showlegend=False,
            marker=dict(size=16, color="rgba(0,0,0,0)", line=dict(width=2.5, color="#31333f")),
        )
        for i, edge in enumerate(edges)
        if (edge.layer, edge.target, edge.source) == (selected.layer, selected.target, selected.source)
    ]


def _node_name(col: int, row: int, network: Network, output_names: list[str] | None = None) -> str:
    if col == 0:
        return FEATURE_LABELS[network.features[row]]
    if col <= len(network.hidden):
        return f"neuron {row + 1} of layer {col}"
    return f"output {output_names[row] if output_names else row + 1}"


def _node_label(col: int, row: int, n_columns: int, network: Network, output_names: list[str]) -> str:
    if col == 0:
        return f"input {FEATURE_LABELS[network.features[row]]} over the plane"
    if col == n_columns - 1:
        return f"output '{output_names[row]}' (before softmax) over the plane"
    act = ACTIVATION_LABELS[network.activations[col - 1]]
    return f"neuron {row + 1} of hidden layer {col} ({act}) over the plane"


def wrapped_columns(count: int, per_band: int) -> list[tuple[int, int, int]]:
    """(column, band, slot) for drawing `count` columns in bands of at most `per_band` (≥ 2) slots; a
    band after the first starts with a copy of the column the band before ended with."""
    drawn, band, slot = [], 0, 0
    for col in range(count):
        if slot == per_band:
            band, slot = band + 1, 1
            drawn.append((col - 1, band, 0))
        drawn.append((col, band, slot))
        slot += 1
    return drawn


def _column_titles(columns, drawn, network: Network, centre, band_pitch: float, wordy: bool) -> list[dict]:
    titles = []
    for col, band, slot in drawn:
        planes = columns[col]
        if col == 0:
            text = f"<b>{len(planes)}{' features' if wordy else ''}</b>"
        elif col == len(columns) - 1:
            text = "<b>Output</b>"
        else:
            act = ACTIVATION_LABELS[network.activations[col - 1]]
            # words only where columns are wide enough for them (the hover names every neuron's activation)
            unit = f" neuron{'s' if len(planes) > 1 else ''}"
            text = f"<b>{len(planes)}{unit}</b><br>{act}" if wordy else f"<b>{len(planes)}</b><br>{act}"
        if band and not slot:
            text = f"↪ {text}"  # the same column again, where the next band's edges start
        x, _ = centre(col, 0, (band, slot))
        y = 1.2 - band * band_pitch
        titles.append(dict(x=x, y=y, yanchor="top", text=text, showarrow=False, font=dict(size=11)))
    return titles


PLANE_AXIS = dict(
    range=[-EXTENT, EXTENT], dtick=2, showgrid=False, zeroline=False, constrain="domain", fixedrange=True
)


def boundary_figure(
    boundary: np.ndarray,
    task: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None = None,
    discretize: bool = False,
    clickable: bool = False,
    height: int = 420,
) -> go.Figure:
    """The output over the plane with the training points (white rim) and, optionally, the test points
    (dark rim). `train`/`test` are (points (N, 2), targets (N,)). With `clickable`, an invisible grid of
    points (trace 0) catches clicks anywhere on the plane, so the page can add a point there."""
    data = []
    if clickable:
        # Plotly reports clicks on points only (not on a heatmap): an invisible 31x31 grid of points
        # catches a click anywhere on the plane, to the nearest 0.4.
        x1, x2 = np.meshgrid(np.linspace(-EXTENT, EXTENT, 31), np.linspace(-EXTENT, EXTENT, 31))
        data.append(
            dict(
                type="scatter",
                x=x1.ravel(),
                y=x2.ravel(),
                mode="markers",
                marker=dict(size=12, color="rgba(0,0,0,0)"),
                hovertemplate="add a point at (%{x:.1f}, %{y:.1f})<extra></extra>",
                showlegend=False,
            )
        )
    for pair, rim, name in ((train, "white", "train"), (test, "#31333f", "test")):
        if pair is None or len(pair[0]) == 0:
            continue
        points, targets = np.asarray(pair[0], dtype=np.float32), np.asarray(pair[1])
        points, targets = points[:500], targets[:500]  # a chart redraws smoothly with at most 500 points
        data.append(
            dict(
                type="scatter",
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                marker=dict(size=8, line=dict(width=1, color=rim), **_point_colours(targets, task)),
                name=f"{name} data",
                hovertemplate=f"{name}: (%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
                showlegend=False,
            )
        )
    layout = dict(
        images=[
            dict(
                source=png_uri(boundary_rgb(boundary, task, discretize)),
                xref="x",
                yref="y",
                x=-EXTENT,
                y=EXTENT,
                sizex=2 * EXTENT,
                sizey=2 * EXTENT,
                sizing="stretch",
                layer="below",
            )
        ],
        height=height,
        margin=dict(l=30, r=10, t=10, b=30),
        xaxis=PLANE_AXIS,
        yaxis=dict(PLANE_AXIS, scaleanchor="x"),
        plot_bgcolor="white",
        paper_bgcolor="white",
        font=FONT,
        dragmode=False,
        uirevision="boundary",
        clickmode="event+select" if clickable else "event",
    )
    return fast_figure(data, layout)


def _point_colours(targets: np.ndarray, task: str) -> dict:
    """Marker colour settings: the targets as numbers on a colour scale (no list of 500 colour strings)."""
    values = np.asarray(targets, dtype=np.float32).ravel()
    if task == "regression":
        scale = [[0.0, _hex(NEGATIVE)], [0.5, _hex(NEUTRAL)], [1.0, _hex(POSITIVE)]]
        return dict(color=values, colorscale=scale, cmin=-1, cmax=1)
    k = len(CLASS_COLOURS)
    scale = [[i / (k - 1), _hex(c)] for i, c in enumerate(CLASS_COLOURS)]  # class i sits exactly on stop i
    return dict(color=values, colorscale=scale, cmin=0, cmax=k - 1)


def loss_figure(history: list[dict] | pd.DataFrame, height: int = 130) -> go.Figure:
    """Train (grey) and test (dark) loss against the epoch: TF Playground's little curve.
    `history`: rows with epoch, train_loss, test_loss."""
    if len(history) > 300:  # a chart redraws smoothly with a few hundred points
        rows = np.linspace(0, len(history) - 1, 300).astype(int)
        history = history.iloc[rows] if isinstance(history, pd.DataFrame) else [history[i] for i in rows]
    history = pd.DataFrame(history)
    data = []
    for column, colour, name in (("train_loss", "#9aa0a6", "train"), ("test_loss", "#31333f", "test")):
        if column in history:
            data.append(
                dict(
                    type="scatter",
                    x=history["epoch"].to_numpy(),
                    y=history[column].to_numpy(),
                    mode="lines",
                    name=name,
                    line=dict(color=colour, width=2),
                )
            )
    layout = dict(
        height=height,
        margin=dict(l=36, r=6, t=18, b=24),
        showlegend=True,
        legend=dict(orientation="h", x=1, xanchor="right", y=1.2, font=dict(size=10)),
        plot_bgcolor="white",
        paper_bgcolor="white",
        font=dict(FONT, size=11),
        xaxis=dict(title=None, showgrid=False, rangemode="tozero"),
        yaxis=dict(title=None, gridcolor="#eee", rangemode="tozero"),
        uirevision="loss",
    )
    return fast_figure(data, layout)


def grad_norm_figure(norms: pd.DataFrame, height: int = 170) -> go.Figure:
    """The latest gradient norm per layer (log scale), input side first: tiny bars in a deep sigmoid
    network's first layers are vanishing gradients. `norms` has columns layer, grad_norm."""
    bars = dict(
        type="bar",
        x=list(norms["layer"]),
        y=norms["grad_norm"].clip(lower=1e-12).to_numpy(),
        marker_color="#0877bd",
        hovertemplate="%{x}: %{y:.2e}<extra></extra>",
        text=[f"{v:.1e}" for v in norms["grad_norm"]],
        textposition="outside",
        cliponaxis=False,
    )
    layout = dict(
        height=height,
        margin=dict(l=40, r=6, t=22, b=24),
        plot_bgcolor="white",
        paper_bgcolor="white",
        font=dict(FONT, size=11),
        # one tick per power of ten: 10⁻³ reads at a glance, 2·10⁻³ and 5·10⁻³ only clutter
        yaxis=dict(type="log", gridcolor="#eee", title=None, dtick=1, exponentformat="power"),
        uirevision="grads",
    )
    return fast_figure([bars], layout)
