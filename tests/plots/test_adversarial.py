"""dlcore.plots.adversarial: adversarial examples and accuracy under attack."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from dlcore.plots import adversarial


def test_adversarial_figure_shows_zero_perturbation_as_mid_grey():
    img = torch.rand(1, 6, 6)
    fig = adversarial.adversarial_figure(img, torch.zeros(1, 6, 6), img, ["a", "b", "c"], amplify=10)
    assert np.allclose(np.asarray(fig.data[1].z), 0.5)
    assert "×10" in fig.layout.annotations[1].text


def test_robustness_curve_has_one_line_per_model():
    curves = pd.DataFrame(
        {
            "epsilon": [0, 0.1, 0, 0.1],
            "accuracy": [0.9, 0.2, 0.85, 0.7],
            "label": ["plain", "plain", "robust", "robust"],
        }
    )
    fig = adversarial.robustness_curve(curves)
    assert [t.name for t in fig.data] == ["plain", "robust"]
