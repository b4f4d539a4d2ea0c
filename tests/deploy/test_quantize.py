"""Quantisation: dynamic int8, static int8 (FX, calibrated), float16; what does not fit says why."""

import pytest
import torch
from torch import nn

import dlcore
from dlcore.deploy.report import accuracy_on_test, stored_bytes


def test_dynamic_int8_keeps_digits_mlp_accuracy_and_is_at_least_three_times_smaller(digits, digits_mlp):
    quantised = dlcore.quantize(digits_mlp, "dynamic_int8")
    before, after = accuracy_on_test(digits_mlp, digits), accuracy_on_test(quantised, digits)
    assert before >= 0.9 and after >= before - 0.02
    assert stored_bytes(digits_mlp) >= 3 * stored_bytes(quantised)
    assert isinstance(digits_mlp[1], nn.Linear)  # the original is left as it was


def test_static_int8_of_a_cnn_keeps_digits_accuracy(digits, digits_cnn):
    quantised = dlcore.quantize(digits_cnn, "static_int8", calibration=digits.train[0][:256])
    assert accuracy_on_test(quantised, digits) >= accuracy_on_test(digits_cnn, digits) - 0.02
    assert stored_bytes(digits_cnn) >= 3 * stored_bytes(quantised)


def test_float16_copy_takes_float16_inputs_and_halves_the_size(digits_mlp):
    half = dlcore.quantize(digits_mlp, "float16")
    x = torch.randn(3, 1, 8, 8)
    assert half(x.half()).dtype == torch.float16
    assert torch.allclose(half(x.half()).float(), digits_mlp(x), atol=1e-2)
    assert stored_bytes(half) * 2 == stored_bytes(digits_mlp)


@pytest.mark.parametrize(
    "model, method, calibration, says",
    [
        (nn.Sequential(nn.ReLU()), "dynamic_int8", None, "has none"),
        (nn.Sequential(nn.Linear(4, 2)), "static_int8", torch.randn(8, 4), "no Conv layer"),
        (nn.Sequential(nn.Conv1d(1, 2, 3)), "static_int8", None, "needs calibration"),
        (nn.Sequential(nn.Linear(4, 2)), "int4", None, "unknown quantisation"),
    ],
)
def test_a_method_that_does_not_fit_gives_a_deploy_error_saying_why(model, method, calibration, says):
    with pytest.raises(dlcore.DeployError, match=says):
        dlcore.quantize(model, method, calibration)


# Transformer layers keep float weights (PyTorch's fast path reads them): only the head shrinks.
@pytest.mark.parametrize(
    "name, shrink", [("lstm_sequence", 2), ("gru_sequence", 2), ("transformer_encoder", 1)]
)
def test_dynamic_int8_of_recurrent_and_transformer_presets_runs_close_to_float(name, shrink):
    spec = dlcore.presets()[name]
    model, x = dlcore.build_model(spec).eval(), dlcore.example_input(spec, batch_size=4)
    quantised = dlcore.quantize(model, "dynamic_int8")
    assert quantised(x).shape == model(x).shape
    assert torch.allclose(quantised(x), model(x), atol=0.05)
    assert stored_bytes(quantised) * shrink < stored_bytes(model)
