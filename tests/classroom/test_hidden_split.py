"""The hidden split (dlcore.data: load(..., holdout=key) and load_hidden): no hidden example is in what a
student trains, validates or tests on, whatever the dataset, its options and the key; the server gets
the hidden examples normalised exactly as the student's data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris

import dlcore
from dlcore.data.catalogue import CATALOGUE, DatasetInfo, load_hidden
from dlcore.data.dataset import HIDDEN_FRACTION, Dataset, hidden_rows

# Every kind of dataset a challenge can use: generated points, tables, images, sequences.
CHALLENGE_DATASETS = ["spiral", "blobs", "plane", "rare_class", "iris", "wine", "digits", "recall", "sine"]


def examples(split: tuple[torch.Tensor, torch.Tensor]) -> set[tuple[bytes, bytes]]:
    x, y = split
    return {(x[i].numpy().tobytes(), y[i].numpy().tobytes()) for i in range(len(x))}


def same(split: tuple[torch.Tensor, torch.Tensor], other: tuple[torch.Tensor, torch.Tensor]) -> bool:
    return all(torch.equal(a, b) for a, b in zip(split, other, strict=True))


@settings(max_examples=40)
@given(
    name=st.sampled_from(CHALLENGE_DATASETS),
    key=st.text(min_size=1, max_size=20),
    seed=st.integers(0, 2**31 - 1),
    train_fraction=st.floats(0.3, 0.8),
    val_fraction=st.floats(0.0, 0.15),
)
def test_no_hidden_example_is_in_the_students_data(name, key, seed, train_fraction, val_fraction):
    options = {"seed": seed, "train_fraction": train_fraction, "val_fraction": val_fraction}
    student = dlcore.data.load(name, holdout=key, **options)
    server = load_hidden(name, holdout=key, **options)
    hidden = examples(server.test)
    assert hidden and hidden.isdisjoint(set().union(*(examples(s) for s in student.splits.values())))
    # The server scores with the student's normalisation: the training split is the same tensor.
    for split in ("train", "val"):
        assert all(
            torch.equal(a, b) for a, b in zip(student.splits[split], server.splits[split], strict=True)
        )
    # The run keeps the key in its options, so its data is rebuilt without the hidden examples.
    assert student.options["holdout"] == key
    assert same(dlcore.data.load(name, **student.options).train, student.train)


def test_a_fifth_of_every_class_is_hidden_and_a_copy_of_a_students_example_is_dropped():
    labels = load_iris().target
    rows = hidden_rows(len(labels), "k", labels)
    assert len(rows) == round(HIDDEN_FRACTION * 150)
    assert np.bincount(labels[rows]).tolist() == [10, 10, 10]  # stratified like the splits
    student, hidden = dlcore.data.load("iris", holdout="k"), load_hidden("iris", holdout="k").test
    assert sum(student.sizes.values()) == 150 - 30
    # Iris has two flowers measured alike: the hidden one's twin is the student's, so it is not scored.
    assert len(hidden[0]) == 29
    assert examples(load_hidden("iris", holdout="other key").test) != examples(hidden)


def test_a_dataset_whose_splits_are_fixed_cannot_hide_examples(monkeypatch):
    def fixed_rows(seed: int) -> Dataset:  # splits chosen without split_indices, like a downloaded set
        x, y = torch.randn(30, 2), torch.arange(30) % 2
        return Dataset(
            "fixed_rows", "binary", "toy2d", (2,), (x[:20], y[:20]), (x[20:25], y[20:25]), (x[25:], y[25:])
        )

    seed = dlcore.data.options("spiral")[-1]
    monkeypatch.setitem(
        CATALOGUE._entries,
        "fixed_rows",
        DatasetInfo("fixed_rows", "toy2d", "binary", "", (seed,), fixed_rows),
    )
    with pytest.raises(dlcore.DataError, match="cannot keep examples hidden") as refused:
        dlcore.data.load("fixed_rows", holdout="k")
    assert refused.value.field == "dataset"
    assert dlcore.data.load("fixed_rows").sizes["train"] == 20  # without a challenge it loads as before
