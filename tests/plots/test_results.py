"""dlcore.plots.results: the confusion matrix, predictions against targets, reconstructions."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dlcore.plots import results, style


def test_confusion_matrix_shows_counts_and_row_shares():
    fig = results.confusion_matrix([[8, 2], [0, 5]], ["cat", "dog"])
    heat = fig.data[0]
    assert list(heat.x) == ["cat", "dog"]
    assert np.allclose(np.asarray(heat.z), [[0.8, 0.2], [0.0, 1.0]])
    assert np.asarray(heat.text).tolist() == [[8, 2], [0, 5]]


def test_confusion_matrix_with_an_empty_row_does_not_divide_by_zero():
    fig = results.confusion_matrix([[0, 0], [1, 1]], ["a", "b"])
    assert np.isfinite(np.asarray(fig.data[0].z, dtype=float)).all()


@given(st.integers(1, 1500), st.integers(1, 3))
def test_predictions_against_targets_pairs_each_value_within_the_point_budget(n, outputs):
    targets = np.linspace(-1, 2, n * outputs).reshape(n, outputs)
    predictions = targets * 0.5 + 0.1
    fig = results.predictions_vs_targets(targets, predictions)
    diagonal, points = fig.data
    assert len(points.x) == min(n * outputs, style.MAX_POINTS)
    np.testing.assert_allclose(points.y, np.asarray(points.x) * 0.5 + 0.1)  # each target with its prediction
    assert diagonal.x == diagonal.y  # the line where prediction = target ...
    assert min(diagonal.x) <= min(min(points.x), min(points.y))  # ... spans every point
    assert max(diagonal.x) >= max(max(points.x), max(points.y))
    assert "target" in fig.layout.xaxis.title.text and "prediction" in fig.layout.yaxis.title.text


def test_reconstructions_of_2d_points_join_each_input_to_its_reconstruction():
    inputs = np.array([[0.0, 1.0], [2.0, 3.0], [-1.0, 0.5]])
    outputs = inputs + [0.1, -0.2]
    links, shown_in, shown_out = results.reconstructions(inputs, outputs).data
    assert (shown_in.name, shown_out.name) == ("input", "reconstruction")
    np.testing.assert_allclose(np.c_[shown_in.x, shown_in.y], inputs)
    np.testing.assert_allclose(np.c_[shown_out.x, shown_out.y], outputs)
    segments = np.c_[links.x, links.y].reshape(3, 3, 2)  # input, reconstruction, gap
    np.testing.assert_allclose(segments[:, 0], inputs)
    np.testing.assert_allclose(segments[:, 1], outputs)
    assert np.isnan(segments[:, 2]).all()


def test_reconstructions_of_other_shapes_plot_values_against_inputs():
    inputs = np.arange(24, dtype=float).reshape(2, 3, 4)
    fig = results.reconstructions(inputs, inputs + 1)
    np.testing.assert_allclose(fig.data[1].y, np.asarray(fig.data[1].x) + 1)
    assert "Reconstructed" in fig.layout.title.text
