"""State-space layers against their oracle: the recurrence written out one step and one number at a time."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore import SpecError
from dlcore.ssm import DiagonalSSM, SelectiveSSM
from tests.test_codegen import assert_equivalent

sizes = st.integers(1, 5)
lengths = st.integers(1, 40)
seeds = st.integers(0, 2**16)


def naive_diagonal(layer: DiagonalSSM, x: torch.Tensor) -> torch.Tensor:
    """s = exp(dt A) s + (exp(dt A) - 1) / A * u;  y = Re(sum C s) + D u, every channel and memory by hand."""
    u = x @ layer.in_proj.weight.T + layer.in_proj.bias  # (B, L, H)
    batch, length, hidden = u.shape
    state_size = layer.log_decay.shape[1]
    y = torch.zeros(batch, length, hidden, dtype=torch.float64)
    for h in range(hidden):
        dt = torch.exp(layer.log_dt[h]).double()
        for n in range(state_size):
            real = -torch.exp(layer.log_decay[h, n]).double()
            if layer.frequency is None:
                A, C = real, layer.C[h, n].double()
            else:
                A = torch.complex(real, layer.frequency[h, n].double())
                C = torch.complex(layer.C[h, n, 0].double(), layer.C[h, n, 1].double())
            a, b = torch.exp(dt * A), (torch.exp(dt * A) - 1) / A
            for i in range(batch):
                s = 0
                for t in range(length):
                    s = a * s + b * u[i, t, h].double()
                    y[i, t, h] += (C * s).real if torch.is_complex(C * s) else C * s
    y += (layer.D * u).double()
    return y


def naive_selective(layer: SelectiveSSM, x: torch.Tensor) -> torch.Tensor:
    """The selective recurrence step by step, from the layer's weights (no scan, no broadcasting tricks)."""
    batch, length, _ = x.shape
    hidden, state_size = layer.A_log.shape
    A = -torch.exp(layer.A_log)
    if layer.frequency is not None:
        A = torch.complex(A, layer.frequency)
    out = torch.zeros(batch, length, hidden)
    for i in range(batch):
        s = torch.zeros(hidden, state_size, dtype=A.dtype)
        for t in range(length):
            u = layer.in_proj(x[i, t])  # (H,)
            dt = torch.log1p(torch.exp(layer.dt_proj.weight @ u + layer.dt_bias))  # softplus
            B, C = (
                layer.B_proj.weight @ u,
                layer.C_proj.weight @ u,
            )  # (N,), C: (2N,) real, imaginary if complex
            if layer.frequency is not None:
                C = torch.complex(C[0::2], C[1::2])
            for h in range(hidden):
                for n in range(state_size):
                    s[h, n] = torch.exp(dt[h] * A[h, n]) * s[h, n] + dt[h] * B[n] * u[h]
            out[i, t] = (s @ C).real + layer.D * u
    return out


@settings(max_examples=25, deadline=None)
@given(sizes, sizes, sizes, lengths, st.booleans(), seeds)
def test_diagonal_convolution_matches_the_recurrence(features, hidden, state, length, cplx, seed):
    torch.manual_seed(seed)
    layer = DiagonalSSM(features, hidden, state, complex=cplx, dt_max=0.5, return_sequence=True)
    x = torch.randn(2, length, features)
    with torch.no_grad():
        expected, got = naive_diagonal(layer, x), layer(x)
    assert torch.allclose(got.double(), expected, atol=1e-4)


@settings(max_examples=25, deadline=None)
@given(sizes, sizes, sizes, lengths, st.booleans(), seeds)
def test_selective_scan_matches_the_step_by_step_recurrence(features, hidden, state, length, cplx, seed):
    torch.manual_seed(seed)
    layer = SelectiveSSM(features, hidden, state, dt_max=1.0, return_sequence=True, complex=cplx)
    x = torch.randn(2, length, features)
    with torch.no_grad():
        expected, got, stepped = naive_selective(layer, x), layer(x), layer.forward_steps(x)
    assert torch.allclose(got, expected, atol=1e-4)
    assert torch.allclose(stepped, expected, atol=1e-4)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 300), st.booleans(), seeds)
def test_the_scan_gives_the_loops_outputs_at_any_length(length, cplx, seed):
    """Every way of cutting a length into chunks (a last chunk filled up, or one chunk of one step)."""
    torch.manual_seed(seed)
    layer = SelectiveSSM(2, 3, 4, dt_max=1.0, return_sequence=True, complex=cplx)
    x = torch.randn(2, length, 2)
    with torch.no_grad():
        assert torch.allclose(layer(x), layer.forward_steps(x), atol=1e-4)


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 40), st.booleans(), seeds)  # one step never reads the decay (the state starts at 0)
def test_selective_scan_and_loop_give_the_same_gradients(length, cplx, seed):
    torch.manual_seed(seed)
    layer = SelectiveSSM(3, 4, 5, dt_max=1.0, complex=cplx)
    x = torch.randn(2, length, 3)
    grads = []
    for run in (layer.forward, layer.forward_steps):
        layer.zero_grad()
        run(x).square().sum().backward()
        grads.append([p.grad.clone() for p in layer.parameters()])
    for scan, loop in zip(*grads, strict=True):
        assert torch.allclose(scan, loop, atol=1e-4)


@pytest.mark.parametrize("complex_memories", [False, True])
def test_the_scans_own_backward_is_the_gradient_of_its_forward(complex_memories):
    """The parallel scan's hand-written backward (the scan run back in time) against finite differences,
    in float64, over several chunks: every input's gradient, dt, w, B, c and the rates A."""
    torch.manual_seed(0)
    hidden, state, steps, chunks, batch = 2, 3, 4, 3, 2
    f64, columns = torch.float64, chunks * batch

    def leaf(*shape, dtype=f64):
        return torch.randn(*shape, columns, dtype=dtype).requires_grad_()

    dt = (torch.rand(hidden, steps, columns, dtype=f64) * 0.5 + 0.05).requires_grad_()
    w, B, c = (
        leaf(hidden, steps),
        leaf(state, steps),
        leaf(state, steps, dtype=torch.cdouble if complex_memories else f64),
    )
    A = -torch.rand(hidden, state, dtype=f64) - 0.1
    if complex_memories:
        A = torch.complex(A, torch.randn(hidden, state, dtype=f64))
    A.requires_grad_()
    scan = lambda *inputs: SelectiveSSM.Scan.apply(*inputs, chunks, True)  # noqa: E731
    assert torch.autograd.gradcheck(scan, (dt, w, B, c, A))


@pytest.mark.parametrize("cls", [DiagonalSSM, SelectiveSSM])
def test_the_last_step_is_the_last_step_of_the_sequence(cls):
    torch.manual_seed(0)
    every = cls(2, 3, 4, return_sequence=True)
    last = cls(2, 3, 4)
    last.load_state_dict(every.state_dict())
    x = torch.randn(2, 9, 2)
    assert torch.allclose(last(x), every(x)[:, -1])


def test_diagonal_kernel_is_the_impulse_response():
    torch.manual_seed(0)
    layer = DiagonalSSM(1, 3, 4, return_sequence=True)
    with torch.no_grad():
        layer.in_proj.weight.fill_(1.0), layer.in_proj.bias.zero_(), layer.D.zero_()
        impulse = torch.zeros(1, 12, 1)
        impulse[0, 0, 0] = 1.0
        assert torch.allclose(layer(impulse)[0].T, layer.kernel(12), atol=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    st.sampled_from(["DiagonalSSM", "SelectiveSSM"]),
    sizes,
    sizes,
    st.integers(1, 12),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["default", "xavier", "zeros", "normal"]),
)
def test_exported_code_runs_and_gives_the_same_outputs(kind, hidden, state, length, every_step, cplx, init):
    layer = {"type": kind, "hidden_size": hidden, "state_size": state, "return_sequence": every_step}
    layer["complex"] = cplx
    head = {"type": "Linear", "out_features": 2}
    spec = {"input_shape": [length, 2], "init": init, "layers": [layer, head]}
    code = assert_equivalent(spec)
    assert f"class {kind}(nn.Module):" in code


@pytest.mark.parametrize("kind", ["DiagonalSSM", "SelectiveSSM"])
def test_an_initialiser_sets_the_projections_but_keeps_the_memory_rates(kind):
    layer = {"type": kind, "hidden_size": 4, "state_size": 3}
    model = dlcore.build_model({"input_shape": [5, 2], "init": "zeros", "layers": [layer]})
    ssm = model[0]
    assert not ssm.in_proj.weight.any()
    kept = {name: p for name, p in ssm.named_parameters() if name in type(ssm).keeps_its_start}
    assert kept and all(torch.isfinite(p).all() and p.any() for p in kept.values())
    assert (ssm.log_dt if kind == "DiagonalSSM" else ssm.dt_bias).std() > 0  # still spread over channels


@pytest.mark.parametrize("kind", ["DiagonalSSM", "SelectiveSSM"])
def test_a_state_size_of_zero_names_the_layer_and_the_field(kind):
    with pytest.raises(SpecError) as info:
        layer = {"type": kind, "hidden_size": 4, "state_size": 0}
        dlcore.validate({"input_shape": [8, 1], "layers": [layer]})
    assert info.value.field == "state_size"
    assert kind in str(info.value) and "at least 1" in str(info.value)


def test_a_step_range_upside_down_says_which_end_to_change():
    layer = {"type": "SelectiveSSM", "hidden_size": 4, "dt_min": 0.5, "dt_max": 0.01}
    with pytest.raises(SpecError) as info:
        dlcore.validate({"input_shape": [8, 1], "layers": [layer]})
    assert info.value.field == "dt_max" and "at least dt_min" in str(info.value)


def test_an_image_needs_reshaping_first_and_the_message_says_how():
    with pytest.raises(SpecError) as info:
        dlcore.validate({"input_shape": [1, 8, 8], "layers": [{"type": "DiagonalSSM", "hidden_size": 4}]})
    assert "Reshape to [8, 8]" in str(info.value)


def test_summary_shows_the_shapes_and_parameter_counts():
    table = dlcore.summarize(
        {
            "input_shape": [30, 2],
            "layers": [
                {"type": "DiagonalSSM", "hidden_size": 8, "state_size": 4, "return_sequence": True},
                {"type": "SelectiveSSM", "hidden_size": 6, "state_size": 4},
            ],
        }
    )
    assert list(table.output_shape) == [(30, 8), (6,)]
    # in_proj 2*8+8, log_dt 8, log_decay + frequency 2*8*4, C 8*4*2, D 8
    assert table.params.iloc[0] == 24 + 8 + 64 + 64 + 8
    # in_proj 8*6+6, dt_proj 6*6, B and C projections 2*6*4, dt_bias 6, A_log 6*4, D 6
    assert table.params.iloc[1] == 54 + 36 + 48 + 6 + 24 + 6
    assert (table.macs > 0).all()
