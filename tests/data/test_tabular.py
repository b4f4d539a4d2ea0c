"""The bundled tables: standardised by default, or left in their own units for the normalisation lesson."""

import numpy as np
import pytest
import torch
from sklearn.datasets import load_wine

from dlcore.data import load
from dlcore.training import link as train_link


@pytest.mark.parametrize("seed", [0, 3])
def test_an_unscaled_table_keeps_the_raw_measurements(seed):
    raw = torch.tensor(load_wine().data, dtype=torch.float32)
    ds = load("wine", scale=False, seed=seed)
    assert ds.normalization.is_identity
    for split, rows in zip(ds.splits.values(), ds.indices, strict=True):
        assert torch.equal(split[0], raw[torch.as_tensor(rows)])
    assert torch.equal(ds.normalize(raw[:3]), raw[:3])


def test_a_table_is_standardised_on_its_training_split_by_default():
    inputs = load("wine").train[0].numpy()
    assert np.allclose(inputs.mean(axis=0), 0, atol=1e-4)
    assert np.allclose(inputs.std(axis=0), 1, atol=1e-3)
    assert load("wine").options["scale"] is True


def test_the_train_page_link_carries_the_option():
    state, problems = train_link.from_query({"data": "wine", "data.scale": "false"})
    assert not problems and state.data_options == {"scale": False}
    assert train_link.to_query(state)["data.scale"] == "false"
