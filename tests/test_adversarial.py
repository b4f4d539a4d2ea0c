"""FGSM / PGD on hand-weighted models whose decision boundary we know, and adversarial training."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from dlcore.adversarial import (
    AttackError,
    InputSpace,
    accuracy_under_attack,
    attack,
    fgsm,
    pgd,
    robustness_summary,
)
from dlcore.data.dataset import Normalization


def sign_model(d: int = 4) -> nn.Module:
    """Class 1 when the features sum to more than 0, else class 0."""
    model = nn.Linear(d, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.stack([-torch.ones(d), torch.ones(d)]))
    return model.eval()


def margin_data(n: int = 64, d: int = 4, margin: float = 0.2):
    """Every feature is +margin for class 1 and -margin for class 0 (plus tiny noise)."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 2, (n,), generator=g)
    x = (y.float() * 2 - 1)[:, None] * margin + 0.01 * torch.randn(n, d, generator=g)
    return x, y


def accuracy(model, x, y) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def test_fgsm_at_epsilon_zero_changes_nothing():
    x, y = margin_data()
    adv = fgsm(sign_model(), x, y, 0.0)
    assert torch.equal(adv, x)
    assert accuracy_under_attack(sign_model(), x, y, [0.0])["accuracy"][0] == 1.0


def test_fgsm_beyond_the_margin_flips_every_prediction():
    x, y = margin_data(margin=0.2)
    model = sign_model()
    assert accuracy(model, x, y) == 1.0
    curve = accuracy_under_attack(model, x, y, [0.0, 0.1, 0.5], "fgsm")
    assert list(curve["accuracy"]) == [1.0, 1.0, 0.0]  # below the margin nothing flips, above all do


@pytest.mark.parametrize("name", ["fgsm", "pgd"])
@settings(max_examples=15, deadline=None)
@given(eps=st.floats(0.0, 1.0), seed=st.integers(0, 100))
def test_attacks_stay_inside_the_epsilon_box_and_the_valid_pixel_range(name, eps, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3)).eval()
    norm = Normalization(torch.tensor(0.3).reshape(1, 1, 1), torch.tensor(0.2).reshape(1, 1, 1))
    space = InputSpace(1 / norm.std, (0 - norm.mean) / norm.std, (1 - norm.mean) / norm.std)
    raw = torch.rand(5, 1, 4, 4)
    x = norm.apply(raw)
    adv = attack(name, model, x, torch.randint(0, 3, (5,)), eps, space)
    raw_adv = norm.invert(adv)
    assert (raw_adv - raw).abs().max() <= eps + 1e-5
    assert raw_adv.min() >= -1e-5 and raw_adv.max() <= 1 + 1e-5


def test_pgd_is_at_least_as_strong_as_fgsm():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 3)).eval()
    x = torch.randn(200, 8)
    y = model(x).argmax(1).detach()  # the model is right on every example before the attack
    fgsm_acc = accuracy(model, fgsm(model, x, y, 0.3), y)
    pgd_acc = accuracy(model, pgd(model, x, y, 0.3, steps=20), y)
    assert pgd_acc <= fgsm_acc < 1.0


def test_epsilon_out_of_range_names_the_field():
    x, y = margin_data()
    with pytest.raises(AttackError, match="epsilon") as info:
        fgsm(sign_model(), x, y, 1.5)
    assert info.value.field == "epsilon"


def test_unknown_attack_suggests_a_name():
    x, y = margin_data()
    with pytest.raises(AttackError, match="did you mean 'fgsm'"):
        attack("fgms", sign_model(), x, y, 0.1)


def test_input_space_for_images_uses_the_pixel_range():
    class FakeImages:
        family = "images"
        normalization = Normalization(torch.tensor(0.5).reshape(1, 1, 1), torch.tensor(0.25).reshape(1, 1, 1))

    space = InputSpace.for_dataset(FakeImages())
    assert float(space.scale) == pytest.approx(4.0)
    assert float(space.low) == pytest.approx(-2.0) and float(space.high) == pytest.approx(2.0)


def curve(accuracies: dict[float, float]) -> pd.DataFrame:
    return pd.DataFrame({"epsilon": list(accuracies), "accuracy": list(accuracies.values())})


def test_the_robustness_summary_reports_the_measured_accuracies():
    plain = curve({0.0: 0.97, 0.1: 0.12, 0.3: 0.0})
    robust = curve({0.0: 0.95, 0.1: 0.64, 0.3: 0.08})
    text = robustness_summary(plain, robust, 0.1)
    assert "your model **97%**, the trained copy **95%**" in text  # without an attack
    assert "ε = 0.1, what the copy was trained against: your model **12%**, the trained copy **64%**" in text
    assert "ε = 0.3, the largest measured: your model **0%**, the trained copy **8%**" in text
    assert "gets 52% more of the test examples right" in text


def test_the_robustness_summary_says_so_when_training_did_not_help():
    plain = curve({0.0: 0.97, 0.05: 0.40, 0.3: 0.0})
    robust = curve({0.0: 0.96, 0.05: 0.42, 0.3: 0.0})
    text = robustness_summary(plain, robust, 0.05)
    assert "not more robust" in text and "more steps" in text
    assert "more of the test examples right" not in text
