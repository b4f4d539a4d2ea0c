"""The health monitor names real problems in plain language and stays quiet on a healthy run."""

import numpy as np
import pandas as pd

import dlcore
from dlcore.health import diagnose
from dlcore.jobs import JobPool


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


def test_a_contest_whose_losses_level_off_by_design_gets_no_loss_curve_advice():
    flat = np.concatenate([np.linspace(1.0, 0.7, 100), np.full(400, 0.69)])
    spiky = np.concatenate([np.full(100, 0.7), np.full(5, 9.0), np.full(100, 0.7)])
    rising_val = epochs([0.8, 0.5, 0.3, 0.2, 0.1], [0.8, 0.55, 0.5, 0.6, 0.7])
    assert kinds(diagnose(steps(flat), rising_val, EMPTY, {})) != []
    assert diagnose(steps(flat), rising_val, EMPTY, {}, loss_falls=False) == []
    assert diagnose(steps(spiky), EMPTY, EMPTY, {}, loss_falls=False) == []
    assert dlcore.RECIPES.get("gan").loss_falls is False and dlcore.RECIPES.get("vae").loss_falls


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
        spec, ds, dlcore.TrainConfig(device="cpu", epochs=3, optimizer="sgd", lr=0.1), pool=JobPool()
    )
    assert job.wait(60) and job.status == "finished"
    assert "vanishing_gradients" in kinds(job.health())


def accuracy_epochs(accuracy) -> pd.DataFrame:
    n = len(accuracy)
    return pd.DataFrame(
        {"step": np.arange(1, n + 1) * 200, "epoch": np.arange(1, n + 1), "val_accuracy": accuracy}
    )


def test_a_loss_that_shoots_up_tenfold_is_a_spike_on_a_run_of_any_length():
    # recorded at lr=10 on digits: step 1 is the untrained model, the spike comes at step 4
    recorded = [2.36, 12273.4, 14240.7, 19882.0, 9949.3, 3231.1, 318.8, 24.2, 3.5, 2.6]
    [found] = diagnose(steps(recorded), EMPTY, EMPTY, {})
    assert found["kind"] == "loss_spike" and found["severity"] == "error"
    assert "19,882" in found["message"] and "learning rate" in found["message"]
    recovered = diagnose(steps(recorded[:6] + [0.5] * 20), EMPTY, EMPTY, {})
    assert kinds(recovered) == ["loss_spike"] and recovered[0]["severity"] == "warning"
    noisy = np.linspace(2.0, 0.1, 50) * (1 + 0.5 * np.sin(np.arange(50)))  # batch-to-batch noise: no spike
    assert diagnose(steps(noisy), EMPTY, EMPTY, {}) == []


def test_accuracy_collapsing_to_chance_or_stuck_there_is_named_with_the_chance_level():
    [collapsed] = diagnose(EMPTY, accuracy_epochs([0.6, 0.9, 0.11]), EMPTY, {}, num_classes=10)
    assert collapsed["kind"] == "at_chance" and collapsed["severity"] == "error"
    assert "11%" in collapsed["message"] and "10%" in collapsed["message"] and "90%" in collapsed["message"]
    [stuck] = diagnose(EMPTY, accuracy_epochs([0.1, 0.12]), EMPTY, {}, num_classes=10)
    assert stuck["kind"] == "at_chance" and stuck["severity"] == "warning"
    assert diagnose(EMPTY, accuracy_epochs([0.12]), EMPTY, {}, num_classes=10) == []  # one pass: too early
    short_epochs = accuracy_epochs([0.1, 0.1, 0.1]).assign(step=[10, 20, 30])  # 30 steps: too early too
    assert diagnose(EMPTY, short_epochs, EMPTY, {}, num_classes=10) == []
    learning = diagnose(EMPTY, accuracy_epochs([0.3, 0.5, 0.7]), EMPTY, {}, num_classes=10)
    assert learning == []


def test_a_loss_spike_makes_guessing_after_one_epoch_an_error():
    found = diagnose(steps([2.3, 500.0, 40.0, 2.4]), accuracy_epochs([0.1]), EMPTY, {}, num_classes=10)
    assert kinds(found) == ["loss_spike", "at_chance"] and {f["severity"] for f in found} == {"error"}


def test_accuracy_below_chance_is_worse_than_guessing_but_not_at_a_random_start():
    [found] = diagnose(EMPTY, accuracy_epochs([0.9, 0.2]), EMPTY, {}, num_classes=2)
    assert found["kind"] == "below_chance" and found["severity"] == "error"
    assert "20%" in found["message"] and "50%" in found["message"]
    # a random start can put a straight boundary exactly the wrong way round: 0% before it has learned
    assert diagnose(EMPTY, accuracy_epochs([0.0]), EMPTY, {}, num_classes=2) == []


def test_a_diverging_run_on_digits_is_caught_and_a_healthy_one_is_not():
    ds = dlcore.data.load("digits")
    spec = dlcore.presets()["digits_mlp"]
    found = {}
    for lr in (10.0, 1e-3):
        cfg = dlcore.TrainConfig(device="cpu", lr=lr, epochs=10)
        job = dlcore.start_training(spec, ds, cfg, pool=JobPool())
        assert job.wait(60) and job.status == "finished", job.error
        found[lr] = kinds(job.health())
    assert {"loss_spike", "at_chance"} <= set(found[10.0])
    assert found[1e-3] == []
