"""dlcore.plots.style: the shared limits that keep live charts light."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from dlcore.plots import style


@given(st.integers(0, 3000), st.integers(2, 800))
def test_downsample_keeps_ends_and_never_exceeds_the_cap(n, cap):
    df = pd.DataFrame({"step": np.arange(n)})
    out = style.downsample(df, cap)
    assert len(out) == min(n, cap)
    if n:
        assert out["step"].iloc[0] == 0 and out["step"].iloc[-1] == n - 1
        assert out["step"].is_monotonic_increasing
