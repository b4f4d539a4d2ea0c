"""Sizes a figure is drawn at: what the projector tests of the tile grids measure."""


def tile_widths_px(fig, width_px: int) -> list[float]:
    """Width in pixels of every subplot that holds a trace, for a figure shown `width_px` wide."""
    used = {t.xaxis for t in fig.data}
    axes = [fig.layout[f"xaxis{a[1:]}"] for a in sorted(used)]
    plot_px = width_px - fig.layout.margin.l - fig.layout.margin.r
    return [(ax.domain[1] - ax.domain[0]) * plot_px for ax in axes]


def text_sizes(fig) -> list[float]:
    sizes = [a.font.size for a in fig.layout.annotations]
    axes = [fig.layout[k] for k in fig.layout if k.startswith(("xaxis", "yaxis"))]
    return sizes + [ax.tickfont.size for ax in axes if ax.tickfont.size is not None]
