"""The attention tab's engine: its state and link, the model it trains, and what the maps show."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.sequences import attention as att
from dlcore.sequences.attention import AttentionState


def trained(state: AttentionState):
    ds = att.dataset(state)
    job = dlcore.start_training(att.model_spec(state, ds), ds, att.train_config(state, device="cpu"))
    assert job.wait(timeout=120), "training did not finish"
    assert job.status == "finished", job.error
    return job.snapshot(), ds


def test_reverse_is_solved_by_attending_to_the_mirror_position_and_not_without_positions():
    """The anti-diagonal: output position i draws from input position L - 1 - i (fixed seed)."""
    state = AttentionState(task="reverse", layers=1, heads=2, epochs=15, seed=0)
    model, ds = trained(state)
    inputs = ds.test[0][:200]
    fresh = dlcore.build_model(att.model_spec(state, ds))
    assert att.mirror_attention(fresh, inputs).max() < 0.3  # untrained: about 1/8 everywhere
    assert att.mirror_attention(model, inputs).max() > 0.7
    # without positional codes the input is a bag of tokens: no head can find the mirror position
    blind, _ = trained(replace(state, positions="off"))
    assert att.mirror_attention(blind, inputs).max() < 0.3


def test_the_view_writes_each_rows_token_and_answer_and_every_row_sums_to_one():
    state = AttentionState(layers=2, heads=4, example=3)
    ds = att.dataset(state)
    model = dlcore.build_model(att.model_spec(state, ds))
    view = att.attention_view(model, state, ds)
    question, answer = ds.test[0][3], ds.test[1][3]
    names = ds.class_names
    assert view.keys == [names[int(t)] for t in question]
    assert view.queries[0] == f"{names[int(question[0])]}→{names[int(answer[0])]}"
    assert view.answer == [names[int(t)] for t in answer] and len(view.written) == len(answer)
    assert [tuple(m.shape) for m in view.maps] == [(4, 8, 8)] * 2
    for weights in view.maps:
        torch.testing.assert_close(weights.sum(-1), torch.ones(4, 8))
    assert tuple(view.positions.shape) == (8, 32)


def test_the_causal_mask_reads_question_then_answer_and_never_looks_ahead():
    state = AttentionState(task="sort", mask="causal", length=6)
    ds = att.dataset(state)
    spec = att.model_spec(state, ds)
    assert spec.input_shape == (11,)  # 6 question tokens, then the answer but its last
    assert att.train_config(state).recipe == "language_model"
    view = att.attention_view(dlcore.build_model(spec), state, ds)
    weights = view.maps[0]  # (heads, 11, 11)
    assert float(torch.triu(weights, diagonal=1).abs().max()) == 0.0
    assert view.queries[:5] == view.keys[:5]  # the question's positions write nothing that counts
    assert "→" in view.queries[5]  # the last question token writes the answer's first token


def test_without_positions_there_is_no_code_to_draw():
    state = AttentionState(positions="off")
    ds = att.dataset(state)
    model = dlcore.build_model(att.model_spec(state, ds))
    assert att.attention_view(model, state, ds).positions is None


@pytest.mark.parametrize("task, shape", [("reverse", (8,)), ("copy", (8,)), ("sort", (8,)), ("add", (9,))])
def test_every_task_loads_with_the_length_asked(task, shape):
    ds = att.dataset(AttentionState(task=task))
    assert ds.input_shape == shape


def test_heads_that_do_not_divide_the_width_name_the_layer_and_field():
    with pytest.raises(dlcore.DlcoreError) as caught:
        att.LINK.validate(AttentionState(width=40, heads=3))
    message = caught.value.message
    assert "Layer 3 (TransformerEncoderLayer), field 'nhead'" in message
    assert "Heads" in message and "Width (40)" in message and caught.value.field == "heads"


states = st.builds(
    AttentionState,
    task=st.sampled_from(att.TASKS),
    length=st.integers(4, 12),
    layers=st.integers(1, 4),
    heads=st.sampled_from([1, 2, 4, 8]),
    width=st.sampled_from([8, 16, 32, 64, 128]),
    mask=st.sampled_from(["full", "causal"]),
    positions=st.sampled_from(["learned", "sinusoidal", "off"]),
    lr=st.floats(1e-5, 0.1),
    epochs=st.integers(1, 1000),
    seed=st.integers(0, 2**31 - 1),
    example=st.integers(0, att.EXAMPLES - 1),
)


@settings(max_examples=40)
@given(states)
def test_any_valid_state_comes_back_from_its_link(state):
    att.LINK.validate(state)
    query = att.LINK.to_query(state)
    assert all(key.startswith("attention.") for key in query)
    assert att.LINK.from_query(query) == (state, [])


def test_a_bad_link_says_why_and_keeps_the_defaults():
    state, problems = att.LINK.from_query({"attention.task": "juggle", "attention.heads": "3"})
    assert state == AttentionState()
    assert "'task' must be one of" in problems[0] and "field 'nhead'" in problems[1]
