"""Inspect rewound: the slider over the moments the job kept shows the model as it was at the chosen one."""

from __future__ import annotations

import json

import pytest

import dlcore
from tests.ui.inspect import support as fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/inspect.py"
SLIDER = "inspect_rewind"

trained_job = fixtures.trained_job


def as_it_was(job, step: int):
    """A job whose live model is `job`'s model as it was at `step`: the oracle for a rewound view."""
    saved = dlcore.checkpoint_bytes(job.spec, job.snapshot(step=step))
    return dlcore.loaded_job(saved, job.dataset, job.config, owner="page-tests")


def chart_data(at) -> dict[str, list]:
    """Each chart's traces by the chart's key, as the browser would get them."""
    return {
        chart.proto.id.split("-")[-1]: json.loads(chart.proto.spec)["data"]
        for chart in at.get("plotly_chart")
    }


def test_a_rewound_page_shows_what_the_page_showed_of_the_model_as_it_was(app, trained_job):
    at = fixtures.open_page(app, PAGE, trained_job)
    slider = at.select_slider(key=SLIDER)
    kept = trained_job.rewind.steps()
    assert slider.value == "live" and slider.options == [*(f"step {s}" for s in kept), "live"]
    live_charts = chart_data(at)
    step = kept[len(kept) // 4]
    at.select_slider(key=SLIDER).set_value(step).run()
    assert not at.exception
    assert f"as it was at step {step}, rewound" in at.markdown[0].value
    rewound_charts = chart_data(at)
    assert rewound_charts != live_charts

    # Every view of the model (the run's history over time aside: the oracle has none) is the same.
    oracle = chart_data(fixtures.open_page(app, PAGE, as_it_was(trained_job, step)))
    assert len(oracle) >= 8
    assert oracle == {key: rewound_charts[key] for key in oracle}


def test_back_to_live_shows_the_live_model_again(app, trained_job):
    at = fixtures.open_page(app, PAGE, trained_job)
    live_charts = chart_data(at)
    at.select_slider(key=SLIDER).set_value(0).run()
    at.select_slider(key=SLIDER).set_value("live").run()
    assert not at.exception
    assert "rewound" not in at.markdown[0].value
    assert chart_data(at) == live_charts


def test_the_weight_distributions_over_time_mark_the_moment_rewound_to(app, trained_job):
    at = fixtures.open_page(app, PAGE, trained_job)
    assert not bands_layout(at).get("shapes")
    step = trained_job.rewind.steps()[10]
    at.select_slider(key=SLIDER).set_value(step).run()
    assert not at.exception
    (line,) = bands_layout(at)["shapes"]
    assert line["x0"] == line["x1"] == step


def bands_layout(at) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("inspect_bands"))
    return json.loads(chart.proto.spec)["layout"]
    assert "moments kept, from step 0 to step" in " ".join(c.value for c in at.caption)
