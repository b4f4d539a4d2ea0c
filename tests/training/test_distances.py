"""Energy distance between point clouds: known answers and the properties of a distance."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.training.distances import energy_distance

clouds = st.integers(1, 40).flatmap(
    lambda n: st.lists(st.lists(st.floats(-10, 10), min_size=2, max_size=2), min_size=n, max_size=n)
)


def test_two_single_points_are_twice_their_distance_apart():
    assert energy_distance(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]])) == pytest.approx(10.0)


@settings(deadline=None)
@given(clouds, clouds)
def test_it_is_symmetric_non_negative_and_zero_on_the_same_cloud(a, b):
    a, b = torch.tensor(a), torch.tensor(b)
    assert energy_distance(a, b) == pytest.approx(energy_distance(b, a), abs=1e-9)
    assert energy_distance(a, b) >= -1e-9
    assert energy_distance(a, a) == pytest.approx(0, abs=1e-9)


def test_it_grows_as_one_cloud_moves_away():
    cloud = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    moved = [energy_distance(cloud, cloud + torch.tensor([shift, 0.0])) for shift in (0.1, 0.5, 1.0, 3.0)]
    assert moved == sorted(moved) and moved[0] > 0


def test_it_sees_the_spread_not_only_the_mean():
    g = torch.Generator().manual_seed(0)
    narrow, wide = torch.randn(1000, 2, generator=g), 3 * torch.randn(1000, 2, generator=g)
    assert energy_distance(narrow, wide) > 10 * energy_distance(narrow, torch.randn(1000, 2, generator=g))
