"""Sequences, token tasks and generative sets: the answers are right and the options do what they say."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.data import DataError, decode, load


def test_sine_target_continues_the_clean_wave():
    ds = load("sine", noise=0.0, length=40, horizon=3)
    x, y = ds.train
    assert x.shape[1:] == (40, 1) and y.shape[1:] == (3,) and ds.target_shape == (3,)
    # one sine obeys x[t+1] = 2 cos(w) x[t] - x[t-1]: the rule fitted on the input predicts the target
    seq = torch.cat([x[:, :, 0], y], dim=1).double()
    two_cos = ((seq[:, 2:40] + seq[:, :38]) * seq[:, 1:39]).sum(1) / (seq[:, 1:39] ** 2).sum(1)
    predicted = two_cos * seq[:, 39] - seq[:, 38]
    assert torch.allclose(predicted, seq[:, 40], atol=1e-4)


def test_compound_wave_is_not_a_single_sine():
    ds = load("compound_wave", noise=0.0, length=40)
    seq = ds.train[0][:, :, 0].double()
    two_cos = ((seq[:, 2:] + seq[:, :-2]) * seq[:, 1:-1]).sum(1) / (seq[:, 1:-1] ** 2).sum(1)
    residual = (seq[:, 2:] - two_cos[:, None] * seq[:, 1:-1] + seq[:, :-2]).abs().mean(1)
    assert float(residual.median()) > 1e-3


def test_memory_task_answer_is_the_first_value_after_the_delay():
    ds = load("memory", delay=50, noise=0.5)
    x, y = ds.train
    assert x.shape[1:] == (51, 1)
    assert torch.equal((x[:, 0, 0] > 0).long(), y)
    assert set(x[:, 0, 0].tolist()) == {-1.0, 1.0}
    assert 0.4 < float(y.float().mean()) < 0.6


def test_wave_classes_have_four_balanced_kinds():
    ds = load("wave_classes", num_sequences=400)
    assert ds.class_names == ["sine", "square", "sawtooth", "triangle"]
    counts = torch.bincount(torch.cat([ds.train[1], ds.val[1], ds.test[1]]))
    assert counts.tolist() == [100, 100, 100, 100]


def test_square_waves_without_noise_take_two_values():
    ds = load("wave_classes", noise=0.0, num_sequences=200)
    x, y = ds.train
    for seq in x[y == 1][:10, :, 0]:
        assert len(torch.unique(seq.abs())) == 1


def test_reverse_and_sort_targets_are_right():
    rev = load("reverse", length=6)
    assert torch.equal(rev.train[1], rev.train[0].flip(1)) and rev.vocab_size == 10
    srt = load("sort", length=6)
    assert torch.equal(srt.test[1], srt.test[0].sort(1).values)


def test_addition_targets_are_the_sums_written_in_digits():
    ds = load("add", digits=3)
    assert ds.vocab_size == 12 and ds.input_shape == (7,) and ds.class_names[10:] == ["+", "_"]
    for question, answer in zip(ds.val[0][:50], ds.val[1][:50], strict=True):
        a, b = decode(question, ds.class_names).split("+")
        assert decode(answer, ds.class_names) == f"{int(a) + int(b):04d}___"


def test_no_token_question_appears_twice():
    ds = load("sort", length=4, num_sequences=5000)
    rows = torch.cat([ds.train[0], ds.val[0], ds.test[0]])
    assert len(torch.unique(rows, dim=0)) == 5000


def test_asking_for_more_distinct_questions_than_exist_is_explained():
    with pytest.raises(DataError, match="only 10,000 different sequences") as err:
        load("reverse", length=4, num_sequences=20000)
    assert err.value.field == "num_sequences"
    with pytest.raises(DataError, match="only 100 different pairs of 1-digit numbers"):
        load("add", digits=1)


@pytest.mark.parametrize(("name", "option", "modes"), [("ring", "modes", 6), ("grid", "side", 3)])
def test_generative_mixtures_have_the_modes_asked_for(name, option, modes):
    ds = load(name, **{option: modes}, noise=0.0)
    points = ds.denormalize(ds.train[0])
    distinct = torch.unique(points.round(decimals=3), dim=0)
    assert len(distinct) == (modes if name == "ring" else modes * modes)
    assert ds.train[1].shape == (len(points), 0) and ds.target_shape == (0,)


def test_generative_inputs_are_centred_with_one_scale_for_both_axes():
    ds = load("two_moons")
    x = ds.train[0]
    assert torch.allclose(x.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.equal(ds.normalization.std[0], ds.normalization.std[1])  # proportions kept


@settings(max_examples=20, deadline=None)
@given(
    name=st.sampled_from(["sine", "compound_wave", "memory", "wave_classes"]),
    length=st.integers(10, 120),
    seed=st.integers(0, 2**31 - 1),
)
def test_sequence_options_in_range_load_with_matching_shapes(name, length, seed):
    option = "delay" if name == "memory" else "length"
    ds = load(name, **{option: length}, num_sequences=100, seed=seed)
    steps = length + 1 if name == "memory" else length
    assert ds.input_shape == (steps, 1) and np.isfinite(ds.train[0].numpy()).all()
    assert sum(ds.sizes.values()) == 100


@settings(max_examples=30, deadline=None)
@given(length=st.integers(2, 80), data=st.data(), seed=st.integers(0, 99))
def test_the_adding_problems_answer_is_the_sum_of_its_two_marked_numbers_the_first_delay_steps_back(
    length, data, seed
):
    delay = data.draw(st.integers(1, length - 1))
    ds = load("adding", num_sequences=100, length=length, delay=delay, seed=seed)
    assert ds.task == "regression" and ds.input_shape == (length, 2) and ds.target_shape == (1,)
    x, y = ds.train
    numbers, marks = x[:, :, 0], x[:, :, 1]
    assert ((numbers >= 0) & (numbers <= 1)).all()
    assert (marks.sum(dim=1) == 2).all() and ((marks == 0) | (marks == 1)).all()
    first = marks.argmax(dim=1)  # the first marked step
    assert (first == length - 1 - delay).all()
    assert torch.allclose((numbers * marks).sum(dim=1, keepdim=True), y)


def test_an_adding_delay_longer_than_the_sequence_says_what_to_change():
    with pytest.raises(DataError, match=r"delay \(60 steps\) must be shorter than the sequence \(50 steps\)"):
        load("adding", length=50, delay=60)
    with pytest.raises(DataError, match="the first marked number has to be inside it") as err:
        load("adding", length=50, delay=50)
    assert err.value.field == "delay"
