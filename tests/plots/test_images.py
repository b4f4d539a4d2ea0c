"""dlcore.plots.images: tiles and grids of small maps."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.plots import images


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 20), h=st.integers(1, 6), w=st.integers(1, 6), columns=st.integers(1, 8))
def test_tiling_puts_every_map_in_its_own_tile_with_gaps(n, h, w, columns):
    maps = np.random.default_rng(0).normal(size=(n, h, w))
    tiled, index = images.tile(maps, columns)
    for i in range(n):
        cells = tiled[index == i]
        assert cells.size == h * w
        assert np.nanmin(cells) >= 0 and np.nanmax(cells) <= 1
    assert np.isnan(tiled[index == -1]).all()
