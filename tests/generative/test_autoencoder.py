"""The autoencoder and VAE families: the networks a state builds, and the numbers their views draw."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore import generative as gen
from dlcore import plots
from dlcore.generative import autoencoder as ae


def built(state: gen.GenerativeState):
    ds = gen.load_data(state)
    specs = gen.models(state, ds)
    torch.manual_seed(0)
    return ds, {role: dlcore.build_model(spec) for role, spec in specs.items()}


@pytest.mark.parametrize(
    ("query", "latent", "code"),
    [
        ({}, 1, 1),  # an autoencoder on 2-D points squeezes them into one number: a curve
        ({"family": "vae"}, 2, 4),  # a VAE's code: a mean and a log-variance per latent number
        ({"data": "digits"}, 2, 2),
        ({"data": "digits", "family": "vae", "f.latent": "5"}, 5, 10),
    ],
)
def test_the_latent_size_and_the_code_follow_the_family_and_the_data(query, latent, code):
    state = gen.from_query(query)[0]
    ds, nets = built(state)
    x = ds.test[0][:3]
    assert nets["encoder"](x).shape == (3, code)
    assert nets["decoder"](torch.zeros(3, latent)).shape == (3, *ds.input_shape)


def test_denoising_hides_inputs_while_training_only():
    ds, nets = built(gen.from_query({"data": "digits", "f.denoise": "0.5"})[0])
    hide = nets["encoder"].hide
    assert isinstance(hide, torch.nn.Dropout) and hide.p == 0.5
    nets["encoder"].eval()
    x = ds.test[0][:4]
    assert torch.equal(ae.codes(nets["encoder"], x, False), ae.codes(nets["encoder"], x, False))


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.booleans())
def test_the_picture_holds_every_view_whatever_the_latent(latent, variational):
    state = gen.from_query({"data": "digits", "family": "vae" if variational else "autoencoder"})[0]
    ds, nets = built(state.with_option("latent", latent))
    picture = ae.picture(nets["encoder"], nets["decoder"], ds, variational, ends=(3, 10_000))
    n = len(ds.test[0])
    assert picture.inputs.shape == picture.outputs.shape == (n, 1, 8, 8)
    assert picture.plane.shape == (n, 2) and picture.labels.shape == (n,)
    assert picture.grid.shape == (ae.GRID * ae.GRID, 1, 8, 8) and picture.path.shape == (ae.STEPS, 1, 8, 8)
    assert picture.ends == (3, n - 1)  # an end past the test set is its last input
    assert ("PCA" in picture.axes[0]) == (latent > 2)
    # the interpolation starts and ends at the reconstructions of its two inputs
    np.testing.assert_allclose(picture.path[0], picture.outputs[3], atol=1e-5)
    np.testing.assert_allclose(picture.path[-1], picture.outputs[n - 1], atol=1e-5)


def test_a_two_number_latent_is_drawn_as_it_is_and_the_vaes_grid_covers_its_prior():
    state = gen.from_query({"data": "digits", "family": "vae"})[0]
    ds, nets = built(state)
    picture = ae.picture(nets["encoder"], nets["decoder"], ds, True)
    codes = ae.codes(nets["encoder"], ds.test[0], True)
    np.testing.assert_allclose(picture.plane, codes.numpy(), atol=1e-6)
    corners = ae.grid_latents(torch.as_tensor(picture.plane), torch.zeros(2), torch.eye(2), True)
    assert corners[0].tolist() == [-2.5, 2.5] and corners[-1].tolist() == [2.5, -2.5]


def test_a_one_number_latent_decodes_one_curve_of_points():
    ds, nets = built(gen.GenerativeState())
    picture = ae.picture(nets["encoder"], nets["decoder"], ds, False)
    assert picture.grid_shape == (1, ae.GRID * ae.GRID) and picture.labels is None
    assert np.all(picture.plane[:, 1] == 0)
    figure = plots.latent_grid_points(ds.denormalize(ds.train[0]), picture.grid, picture.grid_shape)
    assert np.isnan(np.asarray(figure.data[1].x, dtype=float)).sum() == 1  # one line, not a criss-cross


def test_the_latent_scatter_colours_and_names_each_class_or_colours_points_by_where_they_lie():
    plane = np.random.default_rng(0).normal(size=(50, 2))
    by_class = plots.latent_scatter(plane, np.arange(50) % 3, ["a", "b", "c"])
    assert [trace.name for trace in by_class.data if trace.mode == "markers"] == ["a", "b", "c"]
    assert [trace.text[0] for trace in by_class.data if trace.mode == "text"] == [
        "<b>a</b>",
        "<b>b</b>",
        "<b>c</b>",
    ]
    by_place = plots.latent_scatter(plane, inputs=plane)
    assert len(by_place.data) == 1 and len(by_place.data[0].marker.color) == 50


def test_a_denoising_autoencoders_inputs_are_shown_with_the_share_hidden_that_training_hides():
    ds, nets = built(gen.from_query({"data": "digits", "f.denoise": "0.5"})[0])
    clean = ae.picture(nets["encoder"], nets["decoder"], ds, False)
    hidden = ae.picture(nets["encoder"], nets["decoder"], ds, False, hidden=0.5)
    at_mean = np.isclose(hidden.inputs, ds.denormalize(torch.zeros(1, 1, 8, 8)).numpy(), atol=1e-6)
    assert 0.45 < (at_mean & ~np.isclose(clean.inputs, hidden.inputs)).mean() < 0.55  # half of the values
    assert not np.allclose(hidden.outputs, clean.outputs)  # rebuilt from what is left
    np.testing.assert_array_equal(hidden.grid, clean.grid)  # the latent views are the clean inputs'
    again = ae.picture(nets["encoder"], nets["decoder"], ds, False, hidden=0.5)
    np.testing.assert_array_equal(again.inputs, hidden.inputs)  # the same values hidden at every redraw


def test_rebuilt_points_keep_their_title_clear_of_the_legend():
    points = np.random.default_rng(0).normal(size=(20, 2))
    figure = plots.reconstructed_points(points, points + 0.1, title="Test points, 30% hidden, rebuilt")
    assert figure.layout.title.text == "Test points, 30% hidden, rebuilt"
    assert figure.layout.legend.y < 0 and [t.showlegend for t in figure.data] == [False, None, None]
