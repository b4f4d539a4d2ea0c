"""Diffusion's figures: the schedules with the chosen one bold, arrows that compare and never overlap,
particles at any frame of the way from noise to data, image strips and the quality curve."""

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.generative.diffusion import plane_grid, schedule_curves
from dlcore.plots.diffusion import (
    EXTENT,
    denoising_arrows,
    forward_points,
    image_strip,
    noise_schedule,
    quality_curve,
    reverse_points,
)

DATA = torch.randn(800, 2)


def test_the_chosen_schedule_is_bold_and_t_is_marked_on_it():
    fig = noise_schedule(schedule_curves(100), "cosine", 40)
    widths = {trace.name: trace.line.width for trace in fig.data if trace.mode == "lines"}
    assert widths["cosine (chosen)"] > widths["linear"]
    marker = fig.data[-1]
    assert marker.x == (40,) and "t = 40" in marker.text[0]


def test_forward_points_show_the_data_and_at_most_500_noisy_points_in_a_fixed_window():
    fig = forward_points(DATA, DATA * 2, 7, 100)
    assert [len(trace.x) for trace in fig.data] == [500, 500]
    assert list(fig.layout.xaxis.range) == [
        -EXTENT,
        EXTENT,
    ] and "t = 7 of 100" in fig.layout.title.text.replace("<br>", " ")


@settings(max_examples=20, deadline=None)
@given(st.floats(0.01, 100), st.integers(0, 2**16))
def test_arrows_keep_their_directions_and_the_longest_spans_most_of_one_cell(scale, seed):
    grid = plane_grid(EXTENT, 15)
    arrows = scale * torch.randn(len(grid), 2, generator=torch.Generator().manual_seed(seed))
    shaft = denoising_arrows(grid, arrows, DATA, 10).data[1]
    xs, ys = np.array(shaft.x, dtype=float), np.array(shaft.y, dtype=float)
    n = len(grid)
    starts = np.stack([xs[0 : 3 * n : 3], ys[0 : 3 * n : 3]], 1)
    tips = np.stack([xs[1 : 3 * n : 3], ys[1 : 3 * n : 3]], 1)
    drawn = tips - starts
    assert np.allclose(starts, grid.numpy(), atol=1e-5)
    cell = 2 * EXTENT / 14
    assert np.linalg.norm(drawn, axis=1).max() == pytest.approx(0.9 * cell, rel=1e-4)
    cosines = (drawn * arrows.numpy()).sum(1) / np.linalg.norm(drawn, axis=1) / arrows.norm(dim=1).numpy()
    assert cosines.min() > 0.999


def test_arrows_of_a_denoiser_that_moves_nothing_are_drawn_as_dots_not_an_error():
    grid = plane_grid(EXTENT, 5)
    fig = denoising_arrows(grid, torch.zeros_like(grid), DATA, 1)
    assert np.isfinite(np.array(fig.data[1].x, dtype=float)).sum() > 0


def path_of(frames: int):
    return [(frames - 1 - i, torch.full((300, 2), float(i))) for i in range(frames)]


@pytest.mark.parametrize("frame, shown", [(0, 0), (3, 3), (99, 9), (-4, 0)])
def test_particles_stand_at_the_frame_asked_with_their_way_so_far(frame, shown):
    fig = reverse_points(path_of(10), frame, DATA)
    particles = fig.data[2]
    assert set(particles.x) == {float(shown)}
    trail = np.array(fig.data[1].x, dtype=float)
    assert np.nanmax(trail) == shown and f"step {shown} of 9" in fig.layout.title.text


def test_an_image_strip_is_one_row_labelled_with_each_t():
    fig = image_strip(torch.rand(5, 1, 8, 8), [100, 75, 50, 25, 0], "One sample's way")
    picture = fig.data[0].z
    assert np.array(picture).shape == (8, 5 * 9 - 1)
    labels = [(a.text, a.x) for a in fig.layout.annotations]
    assert labels == [(f"t = {t}", 3.5 + 9 * i) for i, t in enumerate([100, 75, 50, 25, 0])]  # under each


def test_the_quality_curve_draws_the_validation_energy_distance_over_steps():
    epochs = pd.DataFrame({"step": [10, 20, 30], "val_energy_distance": [0.9, np.nan, 0.2]})
    (trace,) = quality_curve(epochs).data
    assert list(trace.x) == [10, 30] and list(trace.y) == [0.9, 0.2]
    assert quality_curve(None).data == () and quality_curve(pd.DataFrame({"step": [1]})).data == ()
