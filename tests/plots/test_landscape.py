"""dlcore.plots.landscape: the loss on the line from the first weights, and the slice (contours, surface)."""

from __future__ import annotations

import numpy as np

from dlcore.learning.landscape import LossLine, LossSlice
from dlcore.plots import landscape

AXIS = np.linspace(-1, 1, 5)
BOWL = 0.05 + 3 * (AXIS[None, :] ** 2 + AXIS[:, None] ** 2)  # losses from 0.05 to 6.05


def test_the_line_marks_the_first_and_the_current_loss():
    line = LossLine(np.array([-0.25, 0, 0.5, 1, 1.25]), np.array([3.0, 2.3, 1.0, 0.1, 0.2]), 2.3, 0.1)
    fig = landscape.loss_line_figure(line)
    marks = {trace.text[0]: (trace.x[0], trace.y[0]) for trace in fig.data[1:]}
    assert marks == {"start: 2.3": (0, 2.3), "now: 0.1": (1, 0.1)}
    assert fig.layout.xaxis.title.text == "α  (0: the first weights, 1: the weights now)"


def test_the_contours_colour_the_log_loss_with_a_bar_labelled_in_losses():
    fig = landscape.loss_contour(LossSlice(AXIS, AXIS, BOWL, 0.05, "random"))
    contour = fig.data[0]
    np.testing.assert_allclose(contour.z, np.log10(BOWL))
    assert list(contour.colorbar.ticktext) == ["0.05", "0.1", "0.2", "0.5", "1", "2", "5"]
    assert fig.data[-1].text == ("now: 0.05",) and len(fig.data) == 2  # no path on a random plane
    assert fig.layout.xaxis.title.text == "random direction 1 (filter-normalised)"


def test_the_path_plane_draws_the_path_from_its_start_and_names_each_directions_share():
    path = np.array([[-0.8, 0.5], [-0.3, 0.2], [0.0, 0.0]])
    picked = LossSlice(AXIS, AXIS, BOWL, 0.05, "path", path, (0, 10, 20), (0.9, 0.08))
    fig = landscape.loss_contour(picked)
    drawn = fig.data[1]
    assert list(drawn.x) == [-0.8, -0.3, 0.0] and list(drawn.customdata) == [0, 10, 20]
    assert fig.data[2].text == ("start",)
    assert fig.layout.xaxis.title.text == "path direction 1 (90% of its spread)"
    assert fig.layout.yaxis.title.text == "path direction 2 (8% of its spread)"


def test_the_surface_is_the_loss_on_a_log_axis_with_now_marked():
    fig = landscape.loss_surface(LossSlice(AXIS, AXIS, BOWL, 0.05, "random"))
    np.testing.assert_allclose(fig.data[0].z, BOWL)
    assert fig.layout.scene.zaxis.type == "log"
    assert (fig.data[1].x[0], fig.data[1].y[0], fig.data[1].z[0]) == (0.0, 0.0, 0.05)
