"""The health monitor names real problems in plain language and stays quiet on a healthy run."""

import numpy as np
import pandas as pd

import dlcore
from dlcore.health import diagnose
from dlcore.jobs import Scheduler


def grads(per_layer: dict[str, list[float]]) -> pd.DataFrame:
    rows = []
    for layer, values in per_layer.items():
        for i, v in enumerate(values):
            rows.append({"step": (i + 1) * 10, "layer": layer, "grad_norm": v, "weight_norm": 1.0})
    return pd.DataFrame(rows)


def steps(losses) -> pd.DataFrame:
    n = len(losses)
    return pd.DataFrame({"step": np.arange(1, n + 1) * 5, "train_loss": losses, "count": 1})


def epochs(train, val) -> pd.DataFrame:
    return pd.DataFrame({"epoch": np.arange(1, len(train) + 1), "train_loss": train, "val_loss": val})


EMPTY = pd.DataFrame()


def kinds(findings):
    return [f["kind"] for f in findings]


def test_healthy_run_has_no_findings():
    findings = diagnose(
        steps(np.linspace(1.0, 0.1, 500)),
        epochs([0.9, 0.5, 0.3], [0.95, 0.55, 0.35]),
        grads({"linear1": [0.5] * 20, "linear2": [0.6] * 20, "linear3": [0.7] * 20}),
        {"relu1": 0.1},
    )
    assert findings == []


def test_vanishing_gradients_compare_first_and_last_layer():
    g = grads({"linear1": [1e-7] * 20, "linear2": [1e-4] * 20, "linear3": [0.1] * 20})
    [found] = diagnose(EMPTY, EMPTY, g, {})
    assert found["kind"] == "vanishing_gradients" and "linear1" in found["message"]
    assert "6 orders of magnitude" in found["message"] and "ReLU" in found["fix"]


def test_exploding_gradients_name_the_layer():
    g = grads({"linear1": [1.0] * 10 + [5e4] * 10, "linear2": [1.0] * 20})
    found = diagnose(EMPTY, EMPTY, g, {})
    assert kinds(found) == ["exploding_gradients"] and "'linear1'" in found[0]["message"]
    assert found[0]["severity"] == "error" and "learning rate" in found[0]["fix"]


def test_dead_relus_above_half_are_flagged():
    found = diagnose(EMPTY, EMPTY, EMPTY, {"relu1": 0.2, "relu2": 0.75})
    assert kinds(found) == ["dead_relus"] and "75%" in found[0]["message"] and "relu2" in found[0]["message"]
    assert "LeakyReLU" in found[0]["fix"]


def test_plateau_needs_a_flat_high_loss():
    flat = np.concatenate([np.linspace(1.0, 0.7, 100), np.full(400, 0.69)])
    assert kinds(diagnose(steps(flat), EMPTY, EMPTY, {})) == ["plateau"]
    converged = np.concatenate([np.linspace(1.0, 0.01, 100), np.full(400, 0.01)])
    assert diagnose(steps(converged), EMPTY, EMPTY, {}) == []


def test_overfitting_is_validation_rising_while_training_falls():
    found = diagnose(EMPTY, epochs([0.8, 0.5, 0.3, 0.2, 0.1], [0.8, 0.55, 0.5, 0.6, 0.7]), EMPTY, {})
    assert kinds(found) == ["overfitting"] and "epoch 3" in found[0]["message"]
    assert "early stopping" in found[0]["fix"]
    assert diagnose(EMPTY, epochs([0.8, 0.5, 0.3], [0.8, 0.55, 0.5]), EMPTY, {}) == []


def test_findings_are_sorted_most_serious_first():
    g = grads({"linear1": [1.0] * 10 + [5e4] * 10, "linear2": [1.0] * 20})
    found = diagnose(EMPTY, EMPTY, g, {"relu1": 0.6})
    assert [f["severity"] for f in found] == ["error", "warning"]


def test_deep_sigmoid_network_shows_vanishing_gradients_live():
    ds = dlcore.data.load("spiral")
    layers = []
    for _ in range(8):
        layers += [{"type": "Linear", "out_features": 16}, {"type": "Sigmoid"}]
    spec = dlcore.ModelSpec.from_dict(
        {"input_shape": [2], "layers": layers + [{"type": "Linear", "out_features": 2}]}
    )
    job = dlcore.start_training(
        spec, ds, dlcore.TrainConfig(device="cpu", epochs=3, optimizer="sgd", lr=0.1), scheduler=Scheduler()
    )
    assert job.wait(60) and job.status == "finished"
    assert "vanishing_gradients" in kinds(job.health())
