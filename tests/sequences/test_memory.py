"""The memory tab's engine: gates and hidden states computed from a layer's weights match torch's own
outputs; the input gradients say how much each step matters; the tab's state round-trips through its link."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore.sequences import memory
from dlcore.sequences.link import TAB_LINKS


@settings(max_examples=40, deadline=None)
@given(
    cell=st.sampled_from(memory.CELLS),
    features=st.integers(1, 4),
    hidden=st.integers(1, 8),
    steps=st.integers(1, 12),
    bias=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_unrolled_hidden_states_match_torchs_layer(cell, features, hidden, steps, bias, seed):
    torch.manual_seed(seed)
    layer = getattr(nn, cell)(features, hidden, batch_first=True, bias=bias)
    x = torch.randn(steps, features)
    states, gates = memory.unroll(layer, x)
    expected = layer(x[None])[0][0]
    torch.testing.assert_close(states, expected, atol=1e-5, rtol=1e-4)
    assert set(gates) == set(memory.GATE_ORDER.get(cell, ()))
    for name, values in gates.items():
        assert values.shape == (steps, hidden)
        if name != "candidate":  # a gate is a sigmoid: a share between 0 and 1
            assert values.min() >= 0 and values.max() <= 1


def test_an_lstm_state_is_what_its_gates_make_of_it():
    """h_t = o_t * tanh(c_t) with c_t = f_t * c_{t-1} + i_t * g_t: rebuilt from the gates alone."""
    torch.manual_seed(0)
    layer = nn.LSTM(2, 3, batch_first=True)
    states, gates = memory.unroll(layer, torch.randn(6, 2))
    c = torch.zeros(3)
    for t in range(6):
        c = gates["forget"][t] * c + gates["input"][t] * gates["candidate"][t]
        torch.testing.assert_close(states[t], gates["output"][t] * c.tanh())


def test_the_view_of_one_input_has_a_row_per_unit_and_a_column_per_step():
    state = memory.MemoryState(cell="GRU", length=12, hidden=5)
    view = memory.untrained_view(state, memory.memory_dataset(state))
    assert view.hidden.shape == (5, 12)
    assert {name: g.shape for name, g in view.gates.items()} == {
        n: (5, 12) for n in ("reset", "update", "candidate")
    }
    assert view.input_grad.shape == (12,) and (view.input_grad >= 0).all()


def test_in_an_untrained_rnn_the_first_step_gets_far_less_gradient_than_the_last():
    state = memory.MemoryState(cell="RNN", length=30)
    grad = memory.untrained_view(state, memory.memory_dataset(state)).input_grad
    assert grad[0] < grad[-1] * 1e-3


@settings(max_examples=60, deadline=None)
@given(
    cell=st.sampled_from(memory.CELLS),
    task=st.sampled_from(memory.TASKS),
    length=st.integers(5, 100),
    hidden=st.integers(2, 64),
    lr=st.floats(1e-4, 0.1),
    seed=st.integers(0, 10_000),
)
def test_every_state_round_trips_through_its_link(cell, task, length, hidden, lr, seed):
    link = TAB_LINKS["memory"]
    state = memory.MemoryState(cell, task, length, hidden, lr, seed)
    assert link.from_query(link.to_query(state)) == (state, [])


def test_a_bad_value_in_a_link_is_named_and_left_at_its_default():
    state, problems = TAB_LINKS["memory"].from_query({"memory.cell": "Mamba", "memory.length": "3"})
    assert state == memory.MemoryState()
    assert any("'cell' must be one of" in p for p in problems)
    assert any("'length' must be at least 5" in p for p in problems)
