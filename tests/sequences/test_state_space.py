"""The state-space tab's maths: half-lives that are what they say (the slowest memory halves in that many
steps), the selective layer's impulse response against a step-by-step loop, and the tab's model."""

import math
from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.sequences import state_space as ssm
from dlcore.ssm import DiagonalSSM, SelectiveSSM

seeds = st.integers(0, 2**16)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.booleans(), seeds)
def test_after_a_half_life_the_slowest_memory_of_each_channel_has_faded_to_half(hidden, state, cplx, seed):
    torch.manual_seed(seed)
    layer = DiagonalSSM(2, hidden, state, complex=cplx, dt_min=0.01, dt_max=1.0)
    steps = ssm.half_lives(layer, torch.zeros(1, 3, 2))
    with torch.no_grad():
        kept_per_step = layer.discrete()[0].abs().amax(dim=1)  # (H,) the slowest memory's factor
    assert torch.allclose(kept_per_step**steps, torch.full_like(steps, 0.5), atol=1e-4)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), seeds)
def test_a_selective_layer_whose_step_ignores_the_input_has_the_half_life_of_its_resting_step(
    hidden, state, seed
):
    torch.manual_seed(seed)
    layer = SelectiveSSM(2, hidden, state, dt_min=0.01, dt_max=1.0)
    with torch.no_grad():
        layer.dt_proj.weight.zero_()
    dt = torch.nn.functional.softplus(layer.dt_bias)
    expected = math.log(2) / (dt * torch.exp(layer.A_log).min(dim=1).values)
    assert torch.allclose(ssm.half_lives(layer, torch.randn(4, 7, 2)), expected, rtol=1e-4)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 20), st.booleans(), seeds)
def test_selective_impulse_response_follows_what_the_first_step_writes(hidden, state, length, cplx, seed):
    torch.manual_seed(seed)
    layer = SelectiveSSM(2, hidden, state, dt_max=1.0, complex=cplx)
    x = torch.randn(length, 2)
    with torch.no_grad():
        u = layer.in_proj(x)  # (L, H)
        dt = torch.nn.functional.softplus(u @ layer.dt_proj.weight.T + layer.dt_bias)
        A = -torch.exp(layer.A_log)
        C = u @ layer.C_proj.weight.T  # (L, N), or (L, 2N): real and imaginary parts
        if cplx:
            A, C = torch.complex(A, layer.frequency), torch.complex(C[:, 0::2], C[:, 1::2])
        memory = dt[0][:, None] * (u[0] @ layer.B_proj.weight.T)[None, :] + 0j  # what a 1 at step 0 writes
        expected = torch.zeros(hidden, length)
        for t in range(length):
            if t > 0:
                memory = memory * torch.exp(dt[t][:, None] * A)
            expected[:, t] = (memory @ (C[t] + 0j)).real
        got = ssm.impulse_response(layer, x)
    assert torch.allclose(got, expected, atol=1e-5)


def test_the_diagonal_layers_impulse_response_is_its_kernel():
    torch.manual_seed(0)
    layer = DiagonalSSM(1, 3, 4)
    with torch.no_grad():
        assert torch.equal(ssm.impulse_response(layer, torch.randn(9, 1)), layer.kernel(9))


@pytest.mark.parametrize("layer", ssm.LAYERS)
@pytest.mark.parametrize("start", list(ssm.STARTS))
def test_the_tabs_model_fits_the_task_and_starts_where_the_setting_says(layer, start):
    state = ssm.StateSpaceState(layer=layer, start=start, delay=12, channels=4)
    ds = ssm.ssm_dataset(state)
    assert dlcore.output_shape(ssm.ssm_spec(state, ds)) == (2,)
    view = ssm.start_view(state, ds)
    assert view.half_lives.shape == (4,) and view.response.shape == (4, 13)
    assert torch.equal(view.half_lives, view.start_half_lives)
    # a short start: every channel's step at least 0.1 (half-lives of at most ln 2 / (0.1 * 0.5) ≈ 14)
    assert (view.half_lives.max() < 15) == (start == "short")


def test_the_view_of_a_model_is_the_same_for_the_same_seed():
    state = ssm.StateSpaceState(delay=10, channels=3, seed=4)
    ds = ssm.ssm_dataset(state)
    first, again = ssm.start_view(state, ds), ssm.start_view(state, ds)
    assert torch.equal(first.half_lives, again.half_lives) and torch.equal(first.response, again.response)


def test_the_selective_layer_learns_to_remember_a_value_across_the_gap():
    """With oscillating (complex) memories; real ones, which weigh older steps less, stay near chance."""
    state = ssm.StateSpaceState(layer="SelectiveSSM", delay=40, start="long", seed=0)
    ds = ssm.ssm_dataset(state)
    config = replace(ssm.ssm_config(state, epochs=10), device="cpu")
    job = dlcore.start_training(ssm.ssm_spec(state, ds), ds, config)
    assert job.wait(timeout=120), "training did not finish"
    assert job.status == "finished", job.error
    inputs, labels = ds.test
    with torch.no_grad():
        accuracy = (job.snapshot()(inputs).argmax(1) == labels).float().mean()
    assert accuracy >= 0.9
