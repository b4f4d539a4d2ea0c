"""The optimizer race: each racer's path is torch.optim stepping the same function, a start off the map is
refused with the map's range, and a racer that flies off stops."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import dlcore
from dlcore.learning import SURFACES, LearningError, race

# registry name -> the plain torch.optim call with the registry's default settings
PLAIN = {
    "sgd": lambda p, lr: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    "nesterov": lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9, nesterov=True),
    "adam": lambda p, lr: torch.optim.Adam(p, lr=lr),
    "adamw": lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.0),
    "rmsprop": lambda p, lr: torch.optim.RMSprop(p, lr=lr),
    "adagrad": lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-8),  # the registry's eps (torch: 1e-10)
}


def plain_path(surface, start, make, lr, steps):
    point = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = make([point], lr)
    path = [list(start)]
    for _ in range(steps):
        optimizer.zero_grad()
        surface.f(point[0], point[1]).backward()
        optimizer.step()
        path.append(point.detach().tolist())
    return np.array(path)


def test_the_race_has_every_optimizer_of_the_engine():
    assert set(PLAIN) == set(dlcore.OPTIMIZERS.names())


@pytest.mark.parametrize("surface", SURFACES.names())
@pytest.mark.parametrize("optimizer", list(PLAIN))
def test_each_path_is_torch_optim_stepping_the_same_function(surface, optimizer):
    s = SURFACES.get(surface)
    lr = s.lrs[optimizer]
    track = race(s, s.start, {optimizer: lr}, steps=40)[optimizer]
    assert track.diverged_at is None
    np.testing.assert_allclose(track.points, plain_path(s, s.start, PLAIN[optimizer], lr, 40), rtol=1e-12)
    expected = [s.f(torch.tensor(x), torch.tensor(y)).item() for x, y in track.points]
    np.testing.assert_allclose(track.losses, expected, rtol=1e-12)


@pytest.mark.parametrize("start", [(5.0, 0.0), (0.0, -1.5), (float("nan"), 1.0)])
def test_a_start_off_the_map_is_refused_with_the_maps_range(start):
    with pytest.raises(
        LearningError, match=r"off the Rosenbrock map: choose x from -2 to 2 and y from -1 to 3"
    ):
        race(SURFACES.get("rosenbrock"), start, {"sgd": 0.001})


def test_a_racer_that_flies_off_the_map_stops_and_says_when():
    rosenbrock = SURFACES.get("rosenbrock")
    track = race(rosenbrock, rosenbrock.start, {"sgd": 0.1})["sgd"]
    assert track.diverged_at is not None and track.diverged_at < 10
    assert len(track.points) == track.diverged_at + 1 and np.isfinite(track.points).all()


def test_an_unknown_optimizer_is_named():
    with pytest.raises(dlcore.TrainError, match="did you mean 'adam'"):
        race(SURFACES.get("bowl"), (1.0, 1.0), {"adma": 0.1})


def test_each_surfaces_minimum_is_its_lowest_value():
    for _, s in SURFACES.items():
        for x, y in s.minima:
            assert s.f(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)).item() == (
                pytest.approx(s.lowest, abs=1e-6)
            )
        assert s.grid(50)[2].min() >= s.lowest - 1e-6
