"""The deploy report (variants side by side) and the pruning curve, with their progress and figures."""

import math
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import dlcore
from dlcore.deploy.report import latency_ms


def test_report_of_a_cnn_has_every_variant_with_sizes_latencies_and_accuracies(digits, digits_cnn):
    calls = []
    report = dlcore.deploy_report(digits_cnn, digits, progress=lambda f, text: calls.append((f, text)))
    assert report["variant"].tolist() == ["float32", "dynamic_int8", "static_int8", "float16"]
    columns = "variant size_bytes latency_ms_1_thread latency_ms_all_threads test_accuracy note"
    assert list(report.columns) == columns.split()  # the API the Deploy page reads
    assert (report[["size_bytes", "latency_ms_1_thread", "latency_ms_all_threads"]] > 0).all().all()
    float32 = report.set_index("variant").loc["float32"]
    assert (report["test_accuracy"] >= float32["test_accuracy"] - 0.02).all()
    assert (report["size_bytes"].iloc[1:] < float32["size_bytes"]).all()
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


def test_report_leaves_out_what_does_not_fit_and_has_no_accuracy_without_classes():
    ds = dlcore.data.load("plane")  # regression: no classes
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    report = dlcore.deploy_report(model, ds)
    assert report["variant"].tolist() == ["float32", "dynamic_int8", "float16"]  # static int8: for CNNs
    assert all(math.isnan(a) for a in report["test_accuracy"])


def test_latency_restores_the_thread_count():
    threads = torch.get_num_threads()
    single, every = latency_ms(nn.Linear(4, 4), torch.randn(1, 4))
    assert single > 0 and every > 0 and torch.get_num_threads() == threads


def test_pruning_curve_with_fine_tune_recovers_accuracy_at_half_sparsity(digits, digits_mlp):
    curve = dlcore.pruning_curve(digits_mlp, digits, [0.0, 0.5, 0.9], fine_tune_steps=100)
    assert list(curve.columns) == ["sparsity", "test_accuracy", "fine_tuned", "compressed_bytes"]
    assert curve["fine_tuned"].tolist() == [False, True] * 3
    rows = curve.set_index(["sparsity", "fine_tuned"])["test_accuracy"]
    assert rows[(0.5, True)] >= rows[(0.0, False)] - 0.02
    assert rows[(0.9, False)] < rows[(0.0, False)]  # pruning most of it costs accuracy
    sizes = curve[~curve["fine_tuned"]]["compressed_bytes"].tolist()
    assert sizes == sorted(sizes, reverse=True)


def test_fine_tune_needs_classes():
    ds = dlcore.data.load("plane")
    model = nn.Sequential(nn.Linear(2, 1))
    with pytest.raises(dlcore.DeployError, match="needs a dataset with classes"):
        dlcore.pruning_curve(model, ds, [0.5], fine_tune_steps=10)


@pytest.mark.parametrize("name", ["lstm_sequence", "transformer_encoder", "transformer_lm", "vae_digits"])
def test_report_runs_for_recurrent_transformer_and_autoencoder_presets(name):
    spec = dlcore.presets()[name]
    model, x = dlcore.build_model(spec), dlcore.example_input(spec, batch_size=8)
    no_labels = torch.zeros(8, 0)
    ds = SimpleNamespace(train=(x, no_labels), test=(x, no_labels), num_classes=None)
    report = dlcore.deploy_report(model, ds)
    assert report["variant"].tolist()[:2] == ["float32", "dynamic_int8"] and "float16" in set(
        report["variant"]
    )
    assert model.training  # the caller's model is left in the mode it was in


def test_report_leaves_the_callers_model_as_it_was(digits, digits_mlp):
    before = {k: v.clone() for k, v in digits_mlp.state_dict().items()}
    dlcore.pruning_curve(digits_mlp, digits, [0.5], fine_tune_steps=5)
    dlcore.export_onnx(digits_mlp.train(), digits.test[0][:2])
    assert digits_mlp.training
    digits_mlp.eval()
    assert all(torch.equal(before[k], v) for k, v in digits_mlp.state_dict().items())
