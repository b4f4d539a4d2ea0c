"""The layer catalogue: entries, shape rules, known-answer counts, and errors a student can act on."""

import warnings

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore import SpecError
from dlcore.catalogue import CATEGORIES

INFERRED = {
    "in_features",
    "in_channels",
    "input_size",
    "embed_dim",
    "d_model",
    "num_features",
    "normalized_shape",
}
REQUIRED_TYPES = (
    "Linear Conv1d Conv2d ConvTranspose2d MaxPool2d AvgPool2d AdaptiveAvgPool2d Flatten Unflatten Reshape "
    "Upsample Dropout Dropout2d BatchNorm1d BatchNorm2d LayerNorm Embedding RNN LSTM GRU "
    "MultiheadSelfAttention "
    "TransformerEncoderLayer PositionalEncoding Residual Sequential ReLU LeakyReLU ELU GELU SiLU Sigmoid "
    "Tanh Softmax Identity"
).split()
# One input of each kind: every catalogue example must fit at least one of them.
SAMPLE_INPUTS = [(3, 16, 16), (16,), (10, 16), (10,), (784,)]


def spec(input_shape, *layers):
    return {"input_shape": list(input_shape), "layers": list(layers)}


def error_for(input_shape, *layers) -> SpecError:
    with pytest.raises(SpecError) as info:
        dlcore.validate(spec(input_shape, *layers))
    return info.value


def test_catalogue_has_every_required_type_with_a_known_category():
    catalogue = dlcore.layer_catalogue()
    assert set(REQUIRED_TYPES) <= set(catalogue)
    for name, entry in catalogue.items():
        assert entry.name == name
        assert entry.category in CATEGORIES
        assert entry.help.strip() and entry.help[0].isupper()
        for param in entry.params:
            assert param.help.strip(), f"{name}.{param.name} has no help"
            assert param.name not in INFERRED, f"{name}.{param.name} is inferred and must not be a param"


@pytest.mark.parametrize("name", sorted(dlcore.layer_catalogue()))
def test_every_example_layer_builds_on_some_input(name):
    entry = dlcore.layer_catalogue()[name]
    fits = []
    for shape in SAMPLE_INPUTS:
        layers = [entry.example_dict()]
        if name != "Embedding" and len(shape) == 1 and shape[0] == 10:
            continue  # the token input is for Embedding only
        try:
            dlcore.validate(spec(shape, *layers))
            fits.append(shape)
        except SpecError:
            pass
    assert fits, f"{name}'s example fits none of {SAMPLE_INPUTS}"


def test_example_dicts_are_fresh_copies():
    entry = dlcore.layer_catalogue()["Residual"]
    entry.example_dict()["layers"].append({"type": "ReLU"})
    assert entry.example_dict()["layers"] == [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]


def test_weights_layers_take_init_params_and_others_do_not():
    catalogue = dlcore.layer_catalogue()
    for name in (
        "Linear",
        "Conv2d",
        "LSTM",
        "Embedding",
        "TransformerEncoderLayer",
        "MultiheadSelfAttention",
    ):
        assert {"init", "init_std"} <= {p.name for p in catalogue[name].params}
    for name in ("ReLU", "Flatten", "MaxPool2d", "Dropout"):
        assert "init" not in {p.name for p in catalogue[name].params}


def test_conv2d_params_and_macs_match_a_hand_count():
    conv = {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1}
    row = dlcore.summarize(spec((3, 32, 32), conv)).iloc[0]
    assert row.output_shape == (8, 32, 32)
    assert row.params == 8 * 3 * 3 * 3 + 8  # weights + one bias per filter
    assert row.macs == (8 * 32 * 32) * (3 * 3 * 3)  # each output value: a 3×3×3 window


def test_strided_conv_and_pool_shapes_follow_the_pytorch_formula():
    table = dlcore.summarize(
        spec(
            (1, 28, 28),
            {"type": "Conv2d", "out_channels": 4, "kernel_size": 5, "stride": 2},
            {"type": "MaxPool2d", "kernel_size": 3, "stride": 2, "padding": 1},
            {"type": "ConvTranspose2d", "out_channels": 2, "kernel_size": 2, "stride": 2},
            {"type": "AdaptiveAvgPool2d", "output_size": [2, 3]},
        )
    )
    # (28 - 5) // 2 + 1 = 12; (12 + 2 - 3) // 2 + 1 = 6; (6 - 1) * 2 + 2 = 12
    assert list(table.output_shape) == [(4, 12, 12), (4, 6, 6), (2, 12, 12), (2, 2, 3)]


def test_one_dimensional_layers_run_along_a_transposed_sequence():
    table = dlcore.summarize(
        spec(
            (50, 2),
            {"type": "Transpose"},
            {"type": "Conv1d", "out_channels": 4, "kernel_size": 5, "padding": 2},
            {"type": "MaxPool1d", "kernel_size": 2},
            {"type": "AvgPool1d", "kernel_size": 5},
        )
    )
    assert list(table.output_shape) == [(2, 50), (4, 50), (4, 25), (4, 5)]
    assert table.iloc[1].params == 4 * 2 * 5 + 4
    assert "signal" in str(error_for((8,), {"type": "MaxPool1d", "kernel_size": 2}))


def test_linear_and_lstm_counts_match_hand_counts():
    table = dlcore.summarize(
        spec((50, 3), {"type": "LSTM", "hidden_size": 16}, {"type": "Linear", "out_features": 2})
    )
    lstm, linear = table.iloc[0], table.iloc[1]
    assert lstm.params == 4 * (16 * 3 + 16 * 16 + 2 * 16)  # four gates: input and hidden weights, two biases
    assert lstm.macs == 50 * 4 * (3 * 16 + 16 * 16)
    assert (linear.params, linear.macs) == (16 * 2 + 2, 16 * 2)


def test_recurrent_output_shapes_cover_sequence_last_step_and_bidirectional():
    def out(**kw):
        return dlcore.output_shape(spec((7, 3), {"type": "GRU", "hidden_size": 5, **kw}))

    assert out() == (5,)
    assert out(return_sequence=True) == (7, 5)
    assert out(bidirectional=True) == (10,)
    assert out(bidirectional=True, return_sequence=True, num_layers=2) == (7, 10)


def test_unknown_type_suggests_the_closest_name():
    err = error_for((1, 8, 8), {"type": "ReLU"}, {"type": "Conv2D", "out_channels": 3})
    assert (err.layer_index, err.layer_type, err.field) == (1, "Conv2D", "type")
    assert "did you mean 'Conv2d'" in str(err)
    assert str(err).startswith("Layer 2 (Conv2D)")


def test_kernel_larger_than_the_map_names_the_layer_and_the_fix():
    err = error_for(
        (1, 8, 8),
        {"type": "MaxPool2d", "kernel_size": 2},
        {"type": "Conv2d", "out_channels": 4, "kernel_size": 5},
    )
    assert (err.layer_index, err.layer_type, err.field) == (1, "Conv2d", "kernel_size")
    assert "input height of 4" in str(err) and "at most 4" in str(err)


def test_linear_on_an_image_asks_for_a_flatten():
    err = error_for((1, 28, 28), {"type": "Linear", "out_features": 10})
    assert err.layer_type == "Linear" and "add a Flatten" in str(err) and "784" in str(err)


def test_lstm_on_an_image_asks_for_a_reshape_with_the_right_sizes():
    err = error_for((1, 28, 28), {"type": "LSTM", "hidden_size": 8})
    assert "Reshape to [28, 28]" in str(err)
    err = error_for((20,), {"type": "GRU", "hidden_size": 8})
    assert "Reshape to [20, 1]" in str(err)


def test_conv_on_a_vector_suggests_an_unflatten_to_a_square_image():
    err = error_for((784,), {"type": "Conv2d", "out_channels": 4, "kernel_size": 3})
    assert "Unflatten" in str(err) and "[1, 28, 28]" in str(err)


def test_embedding_must_come_first():
    err = error_for(
        (10,), {"type": "Identity"}, {"type": "Embedding", "num_embeddings": 5, "embedding_dim": 4}
    )
    assert err.layer_index == 1 and "first layer" in str(err)


def test_heads_must_divide_the_features_and_the_message_lists_ones_that_do():
    err = error_for((6, 10), {"type": "MultiheadSelfAttention", "num_heads": 4})
    assert err.field == "num_heads" and "5" in str(err)


@pytest.mark.parametrize(
    "layer, field, words",
    [
        ({"type": "Linear"}, "out_features", "required"),
        ({"type": "Linear", "out_features": 0}, "out_features", "at least 1"),
        ({"type": "Linear", "out_features": "ten"}, "out_features", "whole number"),
        ({"type": "Linear", "out_features": 3, "out_channels": 3}, "out_channels", "unknown setting"),
        ({"type": "Dropout", "p": 1.5}, "p", "at most"),
        ({"type": "Linear", "out_features": 3, "init": "glorot"}, "init", "must be one of"),
        ({"type": "Softmax", "dim": 0}, "dim", "batch"),
        ({"type": "Unflatten", "unflattened_size": [2, 5]}, "unflattened_size", "product"),
        ({"type": "Reshape", "shape": [-1, -1]}, "shape", "-1"),
        ({"type": "Reshape", "shape": [3, 5]}, "shape", "multiplying to 16"),
        ({"type": "LSTM", "hidden_size": 4, "dropout": 0.3}, "dropout", "num_layers"),
    ],
)
def test_bad_values_name_the_field_and_say_what_to_change(layer, field, words):
    shape = (2, 8) if layer["type"] == "LSTM" else (16,)
    err = error_for(shape, layer)
    assert err.field == field and err.layer_index == 0 and err.layer_type == layer["type"]
    assert words in str(err)
    assert f"field '{field}'" in str(err)


def test_misspelt_setting_suggests_the_right_name():
    err = error_for((1, 8, 8), {"type": "Conv2d", "out_channel": 4, "kernel_size": 3})
    assert err.field == "out_channel" and "did you mean 'out_channels'?" in str(err)


def test_errors_inside_blocks_give_the_nested_position():
    err = error_for(
        (4,),
        {"type": "Linear", "out_features": 4},
        {"type": "Sequential", "layers": [{"type": "ReLU"}, {"type": "Linear", "out_features": -2}]},
    )
    assert err.layer_path == (1, 1) and err.layer_index == 1
    assert str(err).startswith("Layer 2.2 (Linear), field 'out_features'")


def test_a_residual_that_cannot_project_its_skip_says_so():
    err = error_for((8,), {"type": "Residual", "layers": [{"type": "Reshape", "shape": [2, 4]}]})
    assert err.layer_type == "Residual" and err.field == "layers"


def test_custom_names_must_be_identifiers_and_unique():
    err = error_for((4,), {"type": "ReLU", "name": "act"}, {"type": "Tanh", "name": "act"})
    assert err.field == "name" and err.layer_index == 1
    err = error_for((4,), {"type": "ReLU", "name": "my layer"})
    assert err.field == "name"
    err = error_for((4,), {"type": "ReLU", "name": "forward"})
    assert "reserved" in str(err)


def test_huge_models_are_refused_before_any_memory_is_used():
    err = error_for((100000,), {"type": "Linear", "out_features": 8192})
    assert "parameters" in str(err) and err.layer_type == "Linear"


def test_empty_models_and_blocks_ask_for_a_layer():
    assert error_for((4,)).field == "layers"
    assert error_for((4,), {"type": "Residual", "layers": []}).field == "layers"


WINDOW_LAYERS = {
    "Conv2d": lambda c, k, s, p: torch.nn.Conv2d(c, 2, k, stride=s, padding=p),
    "ConvTranspose2d": lambda c, k, s, p: torch.nn.ConvTranspose2d(c, 2, k, stride=s, padding=p),
    "MaxPool2d": lambda c, k, s, p: torch.nn.MaxPool2d(k, stride=s, padding=p),
    "AvgPool2d": lambda c, k, s, p: torch.nn.AvgPool2d(k, stride=s, padding=p),
    "Conv1d": lambda c, k, s, p: torch.nn.Conv1d(c, 2, k, stride=s, padding=p),
    "MaxPool1d": lambda c, k, s, p: torch.nn.MaxPool1d(k, stride=s, padding=p),
}


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(sorted(WINDOW_LAYERS)),
    size=st.integers(1, 9),
    channels=st.integers(1, 3),
    kernel=st.integers(1, 6),
    stride=st.integers(1, 3),
    padding=st.integers(0, 3),
)
def test_window_shape_rules_agree_with_pytorch(name, size, channels, kernel, stride, padding):
    """Oracle: wherever PyTorch runs the layer we predict its exact shape; wherever it fails, SpecError."""
    one_d = name.endswith("1d")
    shape = (channels, size) if one_d else (channels, size, size + 1)
    layer = {"type": name, "kernel_size": kernel, "stride": stride, "padding": padding}
    if name.startswith("Conv"):
        layer["out_channels"] = 2
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = tuple(
                WINDOW_LAYERS[name](channels, kernel, stride, padding)(torch.zeros(1, *shape)).shape[1:]
            )
    except RuntimeError:
        expected = None
    if expected is not None and 0 in expected:
        expected = None  # PyTorch allows an empty output; we refuse it, as it would learn nothing
    try:
        got = dlcore.output_shape(spec(shape, layer))
    except SpecError:
        got = None
    assert got == expected


def test_layers_too_big_for_a_shared_server_are_refused_with_a_fix():
    err = error_for((3, 512, 512), {"type": "Conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1})
    assert err.layer_type == "Conv2d" and "fewer channels" in str(err)
