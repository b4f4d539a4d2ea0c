"""dataset_preview(ds): a figure for every dataset, light enough for a browser without a GPU."""

import plotly.graph_objects as go
import pytest

from dlcore.data import load, names
from dlcore.plots.data import dataset_preview as preview
from tests.data.test_downloads import offline_cache  # noqa: F401  (a fixture: every entry loads offline)


def _points_drawn(fig: go.Figure) -> int:
    return sum(len(t.x) for t in fig.data if isinstance(t, go.Scatter) and t.x is not None)


@pytest.mark.parametrize("name", names())
def test_every_dataset_has_a_preview_without_webgl(name):
    fig = preview(load(name))
    assert isinstance(fig, go.Figure) and fig.data
    assert not any(t.type == "scattergl" for t in fig.data)
    assert _points_drawn(fig) <= 4000
    fig.to_json()  # serialises: nothing un-plottable (tensors) left inside
    assert "`" not in fig.layout.title.text  # the title is plain text: Markdown marks would show raw


def test_toy_preview_draws_each_class_train_filled_and_test_hollow():
    ds = load("circle", num_points=300)
    fig = preview(ds)
    names_drawn = [t.name for t in fig.data]
    assert names_drawn == [
        "outer ring (train)",
        "inner disc (train)",
        "outer ring (test)",
        "inner disc (test)",
    ]
    assert sum(len(t.x) for t in fig.data[:2]) == ds.sizes["train"]
    assert sum(len(t.x) for t in fig.data[2:]) == ds.sizes["test"]
    assert fig.data[2].marker.symbol == "circle-open"
    inner = fig.data[1]
    assert max(x * x + y * y for x, y in zip(inner.x, inner.y, strict=True)) <= 2.5**2 + 1e-6  # raw points


def test_large_point_sets_are_thinned():
    fig = preview(load("spiral", num_points=5000, train_fraction=0.9, val_fraction=0.0))
    assert _points_drawn(fig) <= 2 * 2000


def test_image_preview_has_one_labelled_row_per_class():
    ds = load("shapes", classes=3, size=32, color="rgb")
    fig = preview(ds)
    image = fig.data[0]
    assert image.type == "image"
    assert len(image.z) == 3 * (32 + 2) and len(image.z[0][0]) == 3
    assert list(fig.layout.yaxis.ticktext) == ["circle", "square", "triangle"]


def test_token_preview_lists_questions_and_answers():
    ds = load("add", digits=2, num_sequences=500)
    table = preview(ds).data[0]
    question, answer = table.cells.values[0][0], table.cells.values[1][0]
    a, b = question.split("+")
    assert answer == f"{int(a) + int(b):03d}" + "_" * 2


def test_forecast_preview_shows_the_values_to_predict_after_the_input():
    ds = load("sine", length=20, horizon=3)
    fig = preview(ds)
    future = [t for t in fig.data if t.mode == "markers"]
    assert future and list(future[0].x) == [20, 21, 22]


def test_the_preview_title_wraps_short_enough_for_the_train_pages_data_column():
    fig = preview(load("sine"))
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) > 1 and max(map(len, lines)) <= 44
    assert fig.layout.margin.t >= 17 * len(lines)  # room above the plot for every line
