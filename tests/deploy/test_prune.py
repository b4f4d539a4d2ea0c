"""Magnitude pruning: the sparsity asked for, permanent, and a fine-tune that keeps zeros at zero."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore.deploy.prune import compressed_bytes, fine_tune, make_permanent, masked_copy
from dlcore.deploy.report import accuracy_on_test


def zeros_share(model: nn.Module) -> float:
    weights = [m.weight for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    return sum(int((w == 0).sum()) for w in weights) / sum(w.numel() for w in weights)


@settings(max_examples=20, deadline=None)
@given(sparsity=st.floats(0.0, 0.95), scope=st.sampled_from(["global", "layer"]))
def test_prune_zeroes_the_share_asked_for_and_leaves_the_original_alone(sparsity, scope):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    before = [p.clone() for p in model.parameters()]
    pruned = dlcore.prune(model, sparsity, scope)
    assert zeros_share(pruned) == pytest.approx(sparsity, abs=0.01)
    assert not any(hasattr(m, "weight_mask") for m in pruned.modules())  # permanent: plain weights
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_layer_scope_prunes_each_layer_alike_global_prunes_the_smallest_anywhere():
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 8))
    with torch.no_grad():
        model[0].weight.uniform_(0.1, 1.0)
        model[1].weight.uniform_(10.0, 20.0)  # the second layer's weights are all larger
    per_layer = dlcore.prune(model, 0.5, "layer")
    assert [zeros_share(nn.Sequential(m)) for m in per_layer] == [0.5, 0.5]
    whole = dlcore.prune(model, 0.5, "global")
    assert [zeros_share(nn.Sequential(m)) for m in whole] == [1.0, 0.0]


def test_half_pruned_digits_mlp_fine_tuned_keeps_accuracy_and_compresses(digits, digits_mlp):
    masked = masked_copy(digits_mlp, 0.5)
    fine_tune(masked, digits.train, steps=100)
    pruned = make_permanent(masked)
    assert zeros_share(pruned) == pytest.approx(0.5, abs=0.01)  # the fine-tune kept the zeros
    assert accuracy_on_test(pruned, digits) >= accuracy_on_test(digits_mlp, digits) - 0.02
    assert compressed_bytes(pruned) < 0.8 * compressed_bytes(digits_mlp)


@pytest.mark.parametrize(
    "model, sparsity, scope, says",
    [
        (nn.Sequential(nn.ReLU()), 0.5, "global", "nothing to prune"),
        (nn.Sequential(nn.Linear(2, 2)), 1.0, "global", "below 1"),
        (nn.Sequential(nn.Linear(2, 2)), 0.5, "row", "unknown pruning scope"),
    ],
)
def test_pruning_that_cannot_be_done_gives_a_deploy_error(model, sparsity, scope, says):
    with pytest.raises(dlcore.DeployError, match=says):
        dlcore.prune(model, sparsity, scope)


def test_fine_tuning_leaves_frozen_layers_alone_and_a_wholly_frozen_model_as_it_is(digits):
    spec = {
        "input_shape": [1, 8, 8],
        "layers": [
            {"type": "Flatten"},
            {"type": "Linear", "out_features": 16, "trainable": False},
            {"type": "ReLU"},
            {"type": "Linear", "out_features": 10},
        ],
    }
    masked = masked_copy(dlcore.build_model(spec), 0.5)
    frozen = masked[1].weight.clone()
    fine_tune(masked, digits.train, steps=5)
    assert torch.equal(masked[1].weight, frozen)
    spec["layers"][3]["trainable"] = False
    still = masked_copy(dlcore.build_model(spec), 0.5)
    before = [p.clone() for p in still.parameters()]
    fine_tune(still, digits.train, steps=5)  # nothing to fine-tune: no error, nothing changes
    assert all(torch.equal(p, b) for p, b in zip(still.parameters(), before, strict=True))
