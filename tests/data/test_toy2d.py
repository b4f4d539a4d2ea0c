"""2-D toy sets: the patterns are what they claim, noise and features behave like TF Playground's."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.data import DataError, featurize, from_points, load


def test_featurize_computes_each_feature_in_the_order_asked():
    points = torch.tensor([[1.0, 2.0], [-3.0, 0.5]])
    out = featurize(points, ["x1*x2", "x1", "sin(x2)", "x2^2", "x1^2", "sin(x1)", "x2"])
    expected = [
        [2.0, 1.0, math.sin(2.0), 4.0, 1.0, math.sin(1.0), 2.0],
        [-1.5, -3.0, math.sin(0.5), 0.25, 9.0, math.sin(-3.0), 0.5],
    ]
    assert torch.allclose(out, torch.tensor(expected))


def test_featurize_a_grid_for_drawing_a_boundary():
    xs = torch.linspace(-6, 6, 50)
    grid = torch.cartesian_prod(xs, xs)  # (2500, 2)
    assert featurize(grid, ("x1", "x2", "x1^2")).shape == (2500, 3)
    assert featurize(grid.numpy(), ["x1"]).dtype == torch.float32


def test_featurize_refuses_bad_input_naming_the_field():
    with pytest.raises(DataError) as err:
        featurize(torch.zeros(3, 2), ["x3"])
    assert err.value.field == "features"
    with pytest.raises(DataError, match="shape \\(N, 2\\)"):
        featurize(torch.zeros(3, 3))
    with pytest.raises(DataError, match="at least 1"):
        featurize(torch.zeros(3, 2), [])


def _radius(ds, split="train"):
    return getattr(ds.raw_2d, split).norm(dim=1)


def test_circle_without_noise_has_the_disc_inside_the_ring():
    ds = load("circle", noise=0)
    r, y = _radius(ds), ds.train[1]
    assert r[y == 1].max() <= 2.5 + 1e-5 and r[y == 0].min() >= 3.5 - 1e-5


def test_xor_labels_follow_the_sign_of_the_product_without_noise():
    ds = load("xor", noise=0)
    x, y = ds.raw_2d.train, ds.train[1]
    assert torch.equal((x[:, 0] * x[:, 1] > 0).long(), y)


def test_spiral_and_moons_are_balanced_and_in_the_square():
    for name in ("spiral", "moons", "gaussian", "blobs", "multi_spiral"):
        ds = load(name, num_points=600)
        counts = torch.bincount(torch.cat([ds.train[1], ds.val[1], ds.test[1]]))
        assert counts.max() - counts.min() <= 1, name
        assert torch.cat(list(ds.raw_2d)).abs().max() <= 6


def test_more_noise_mixes_the_classes():
    def nearest_neighbour_agreement(noise):
        ds = load("gaussian", noise=noise, num_points=400)
        x, y = ds.raw_2d.train, ds.train[1]
        d = torch.cdist(x, x) + torch.eye(len(x)) * 1e9
        return (y[d.argmin(1)] == y).float().mean()

    assert nearest_neighbour_agreement(0) > nearest_neighbour_agreement(50) + 0.1


def test_blobs_and_multi_spiral_have_as_many_classes_as_asked():
    assert load("blobs", classes=5).num_classes == 5
    ds = load("multi_spiral", arms=4)
    assert ds.num_classes == 4 and ds.class_names == ["arm 1", "arm 2", "arm 3", "arm 4"]


def test_regression_sets_have_float_targets_of_the_plane():
    ds = load("plane", noise=0)
    x, y = ds.raw_2d.train, ds.train[1]
    assert torch.allclose(y[:, 0], (x[:, 0] + x[:, 1]) / 12, atol=1e-6)
    bumps = load("multi_gaussian", noise=0)
    assert bumps.train[1].abs().max() <= 1 and bumps.task == "regression"


def test_own_points_without_labels_are_a_generative_set():
    points = np.random.default_rng(0).normal(3, 2, size=(200, 2))
    ds = from_points(points)
    assert ds.task == "generation" and ds.train[1].shape == (len(ds.train[0]), 0)
    assert torch.allclose(
        ds.denormalize(ds.test[0]), torch.tensor(points[ds.indices.test], dtype=torch.float32), atol=1e-5
    )


def test_own_points_with_labels_are_a_2d_classification_set():
    rng = np.random.default_rng(1)
    points = rng.uniform(-6, 6, size=(100, 2))
    labels = (points[:, 0] > 0).astype(int)
    ds = from_points(points, labels, features=["x1", "x1^2"], class_names=["left", "right"])
    assert ds.task == "binary" and ds.class_names == ["left", "right"] and ds.input_shape == (2,)
    assert torch.allclose(featurize(ds.raw_2d.train, ["x1", "x1^2"]), ds.train[0])
    assert from_points(points, points[:, 0] * 0.1).task == "regression"


@pytest.mark.parametrize(
    ("x", "y", "match"),
    [
        (np.zeros((5, 2)), None, "at least 10 points"),
        (np.zeros((20, 3)), None, "shape \\(N, 2\\)"),
        (np.full((20, 2), np.nan), None, "NaN"),
        (np.zeros((20, 2)), np.zeros(19), "19 labels for 20 points"),
        (np.zeros((20, 2)), np.zeros(20), "same label"),
    ],
)
def test_own_points_that_cannot_be_used_are_explained(x, y, match):
    with pytest.raises(DataError, match=match):
        from_points(x, y)


@settings(max_examples=25, deadline=None)
@given(noise=st.integers(0, 50), seed=st.integers(0, 10_000))
def test_noise_never_pushes_points_out_of_the_square(noise, seed):
    for name in ("circle", "xor", "spiral"):
        ds = load(name, noise=noise, seed=seed, num_points=100)
        assert torch.cat(list(ds.raw_2d)).abs().max() <= 6


@pytest.mark.parametrize("share", [0.05, 0.2, 0.5])
def test_the_rare_class_is_the_share_asked_for_in_every_split(share):
    ds = load("rare_class", minority_share=share, num_points=2000)
    assert ds.class_names == ["common", "rare"]
    for _, targets in ds.splits.values():
        assert float(targets.float().mean()) == pytest.approx(share, abs=0.02)
