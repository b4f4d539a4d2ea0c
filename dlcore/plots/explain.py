"""Attributions: a map per method over the input (images), bars per feature or step, the sanity check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dlcore.plots.images import (
    MAGNITUDE_SCALE,
    PAGE_WIDTH_PX,
    SIGNED_SCALE,
    image_axes,
    image_trace,
    square_tiles,
    style_figure,
    style_tiles,
    tile_grid,
)
from dlcore.plots.style import (
    as_numpy,
)


def _collapse(attribution) -> np.ndarray:
    """(C, H, W) -> (H, W) by summing the channels (signed)."""
    a = as_numpy(attribution)
    return a.sum(axis=0) if a.ndim == 3 else a


# Over the input, a colour scale that fades to transparent where the attribution is near zero, so the
# picture shows through: what mattered is coloured, the rest stays as the image.
SIGNED_OVERLAY = [[0.0, "rgba(33,102,172,0.9)"], [0.5, "rgba(255,255,255,0)"], [1.0, "rgba(178,24,43,0.9)"]]
MAGNITUDE_OVERLAY = [[0.0, "rgba(203,24,29,0)"], [0.15, "rgba(203,24,29,0.1)"], [1.0, "rgba(165,15,21,0.95)"]]


def attribution_grid(
    image,
    attributions: Mapping[str, object],
    signed: Mapping[str, bool] | None = None,
    title: str = "",
    captions: Mapping[str, str] | None = None,
    overlay: bool = True,
    width_px: int = PAGE_WIDTH_PX,
) -> go.Figure:
    """The input and one heatmap per method: {method title: (C, H, W) attribution}, wrapped onto rows of
    tiles at least MIN_TILE_PX wide in a figure `width_px` wide.

    Each map is scaled by its own largest magnitude (methods differ in units). Signed maps: red raised
    the class score, blue lowered it. Magnitude maps: darker red = mattered more. With `overlay` each map
    is drawn over a copy of the input, transparent where it is near zero.
    """
    names = list(attributions)
    captions = captions or {}
    subtitles = ["input"] + [f"{n}<br>{captions[n]}" if n in captions else n for n in names]
    fig, cols, height = tile_grid(subtitles, width_px - 20)
    fig.add_trace(image_trace(image), row=1, col=1)
    for i, name in enumerate(names, start=1):
        where = {"row": i // cols + 1, "col": i % cols + 1}
        a = _collapse(attributions[name])
        is_signed = True if signed is None else signed.get(name, True)
        if not is_signed:
            a = np.abs(a)
        bound = float(np.abs(a).max()) or 1.0
        if overlay:  # the input faded towards white, so the colours on top stay readable on dark images
            faded = 0.6 + 0.4 * np.clip(as_numpy(image), 0, 1)
            fig.add_trace(image_trace(faded, name="input"), **where)
            scale = SIGNED_OVERLAY if is_signed else MAGNITUDE_OVERLAY
        else:
            scale = SIGNED_SCALE if is_signed else MAGNITUDE_SCALE
        fig.add_trace(
            go.Heatmap(
                z=a / bound,
                colorscale=scale,
                zmin=-1 if is_signed else 0,
                zmax=1,
                showscale=False,
                name=name,
                hovertemplate=f"{name}<br>x %{{x}}, y %{{y}}: %{{z:.2f}} of max<extra></extra>",
            ),
            **where,
        )
    image_axes(fig)
    square_tiles(fig, len(subtitles))
    return style_tiles(fig, title, height, 10, 10)


def feature_attribution_bars(
    attributions: Mapping[str, object], labels: Sequence[str], title: str, axis_title: str = "feature"
) -> go.Figure:
    """Per-feature (tabular) or per-step (sequence, tokens) attribution, one bar group per method.

    {method title: (N,) attribution}; each method scaled by its largest magnitude so they share an axis.
    """
    fig = go.Figure()
    for name, values in attributions.items():
        v = as_numpy(values).reshape(-1)
        bound = float(np.abs(v).max()) or 1.0
        x = list(labels) if len(labels) == len(v) else list(range(len(v)))
        fig.add_trace(go.Bar(x=[str(s) for s in x], y=v / bound, name=name, hovertemplate="%{x}: %{y:.2f}"))
    style_figure(fig, title, 340, barmode="group", legend={"orientation": "h", "y": -0.25})
    fig.update_xaxes(type="category", title=axis_title)
    fig.update_yaxes(title="attribution (share of the largest)", range=[-1.05, 1.05], zeroline=True)
    return fig


def randomisation_figure(
    image, stages: Sequence[Mapping], method_title: str, signed: bool, overlay: bool = True
) -> go.Figure:
    """The sanity check: the map for the trained model, then after re-initialising layers from the top."""
    attributions = {s["stage"]: s["attribution"] for s in stages}
    captions = {s["stage"]: f"similarity {round(s['similarity'], 2) + 0.0:.2f}" for s in stages}  # no "-0.00"
    fig = attribution_grid(
        image,
        attributions,
        signed={k: signed for k in attributions},
        title=f"{method_title}: does the map change when the weights are randomised?",
        captions=captions,
        overlay=overlay,
    )
    return fig
