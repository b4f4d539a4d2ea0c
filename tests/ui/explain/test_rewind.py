"""Explain rewound: the attributions of the model as it was at a moment its training kept."""

from __future__ import annotations

import pytest

from tests.ui.inspect import support as fixtures
from tests.ui.inspect.test_rewind import as_it_was, chart_data

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/explain.py"
SLIDER = "explain_rewind"

trained_job = fixtures.trained_job


def maps(at) -> list[dict]:
    """The attribution maps drawn, but SmoothGrad's: it averages over random noise, new at every run."""
    return [trace for trace in chart_data(at)["explain_grid"] if trace.get("name") != "SmoothGrad"]


def test_rewound_maps_are_the_maps_of_the_model_as_it_was(app, trained_job):
    at = fixtures.open_page(app, PAGE, trained_job)
    live = maps(at)
    step = trained_job.rewind.steps()[5]
    at.select_slider(key=SLIDER).set_value(step).run()
    assert not at.exception
    rewound = maps(at)
    assert rewound != live
    oracle = fixtures.open_page(app, PAGE, as_it_was(trained_job, step))
    assert maps(oracle) == rewound
