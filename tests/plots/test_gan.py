"""The GAN's plane figures: the verdict heat map with both clouds and the push, the folded latent grid."""

import numpy as np
import torch
from torch import nn

from dlcore.generative import gan
from dlcore.plots import gan_manifold, gan_plane
from dlcore.plots.gan import PUSH_MOST, push_arrows
from dlcore.plots.style import MAX_POINTS


def picture(push_size: float = 1.0) -> gan.GanPicture:
    torch.manual_seed(0)
    g = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2)).eval()
    d = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)).eval()
    p = gan.gan_picture(g, d, torch.randn(600, 2))
    return gan.GanPicture(**{**p.__dict__, "push": np.full_like(p.push, push_size)})


def test_the_plane_draws_the_verdict_the_points_and_one_line_per_push():
    p = picture()
    fig = gan_plane(p)
    heat, real, fake, push = fig.data
    assert heat.type == "heatmap" and heat.zmin == 0 and heat.zmax == 1
    assert len(real.x) == len(p.real) and len(fake.x) == len(p.fake)
    assert len(push.x) == 3 * len(p.fake) and np.isnan(push.x[2::3]).all()  # start, end, gap
    assert all(len(trace.x) <= 3 * MAX_POINTS for trace in fig.data[1:])
    assert list(fig.layout.xaxis.range) == [-p.bounds, p.bounds] and fig.layout.yaxis.scaleanchor == "x"


def test_push_arrows_keep_one_scale_so_a_weak_push_looks_weak_and_a_huge_one_stays_on_the_plane():
    weak, strong, huge = picture(0.01), picture(1.0), picture(1e6)
    length = lambda p: np.linalg.norm(push_arrows(p) - p.fake, axis=1)  # noqa: E731
    assert (length(weak) < length(strong)).all()
    assert np.allclose(length(huge), PUSH_MOST * huge.bounds)


def test_the_manifold_joins_the_grid_along_both_latent_axes():
    p = picture()
    fig = gan_manifold(p)
    real, rows, columns = fig.data
    lines = gan.GRID_LINES
    assert len(rows.x) == len(columns.x) == lines * (lines + 1)  # a gap after every line
    # the first row line runs through the grid's first row; the first column line down its first column
    assert np.allclose(rows.x[:lines], p.manifold[0, :, 0])
    assert np.allclose(columns.x[:lines], p.manifold[:, 0, 0])
