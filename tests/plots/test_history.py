"""dlcore.plots.history: weights and gradients over training."""

from __future__ import annotations

import pandas as pd

from dlcore.inspect import PERCENTILES
from dlcore.plots import history


def test_distribution_over_time_draws_nested_bands_and_the_median():
    rows = [
        {
            "step": s,
            "layer": "linear1",
            "kind": "weight",
            "norm": 1.0,
            **{f"p{q}": q / 100 + s for q in PERCENTILES},
        }
        for s in range(3)
    ]
    fig = history.distribution_over_time(pd.DataFrame(rows), "linear1", "weight")
    assert len(fig.data) == 2 * len(history.BANDS) + 1
    assert list(fig.data[-1].y) == [0.5, 1.5, 2.5]
