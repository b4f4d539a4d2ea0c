"""ModelSpec / LayerSpec: plain data that round-trips through dicts and JSON, with structural errors named."""

import json

import pytest

import dlcore
from dlcore import LayerSpec, ModelSpec, SpecError

NESTED = {
    "name": "demo",
    "input_shape": [1, 12, 12],
    "init": "xavier",
    "layers": [
        {"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 3], "padding": 1},
        {"type": "ReLU"},
        {
            "type": "Residual",
            "name": "block",
            "layers": [
                {"type": "Conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
                {"type": "ReLU"},
            ],
        },
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 3, "init": "zeros"},
    ],
}


def test_dict_and_json_round_trips_keep_the_spec_equal():
    spec = ModelSpec.from_dict(NESTED)
    assert ModelSpec.from_dict(spec.to_dict()) == spec
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert spec.to_dict() == NESTED
    assert json.loads(spec.to_json()) == NESTED


def test_params_are_flat_in_the_dict_and_separate_in_the_dataclass():
    spec = ModelSpec.from_dict(NESTED)
    conv = spec.layers[0]
    assert conv == LayerSpec("Conv2d", {"out_channels": 4, "kernel_size": [3, 3], "padding": 1})
    block = spec.layers[2]
    assert block.name == "block" and block.params == {} and len(block.layers) == 2
    assert spec.layers[4].params["init"] == "zeros"


def test_tuples_compare_equal_after_a_json_round_trip():
    spec = ModelSpec((1, 8, 8), [LayerSpec("Conv2d", {"out_channels": 2, "kernel_size": (3, 3)})])
    assert spec.input_shape == (1, 8, 8)
    assert ModelSpec.from_json(spec.to_json()) == spec


def test_layers_may_be_given_as_dicts_or_layer_specs():
    a = ModelSpec([4], [{"type": "Linear", "out_features": 2}])
    b = ModelSpec((4,), [LayerSpec("Linear", {"out_features": 2})])
    assert a == b
    assert a != ModelSpec((4,), [LayerSpec("Linear", {"out_features": 3})])


def test_optional_fields_are_left_out_of_the_dict_when_default():
    spec = ModelSpec((2,), [LayerSpec("Linear", {"out_features": 1})])
    assert spec.to_dict() == {"input_shape": [2], "layers": [{"type": "Linear", "out_features": 1}]}
    assert spec.init == "default" and spec.init_std == 0.1 and spec.name == ""


def test_presets_fields_description_and_dataset_survive_a_round_trip():
    spec = ModelSpec.from_dict(
        {"input_shape": [2], "layers": [{"type": "ReLU"}], "description": "d", "dataset": "xor"}
    )
    again = ModelSpec.from_json(spec.to_json())
    assert (again.description, again.dataset) == ("d", "xor")


@pytest.mark.parametrize(
    "data, path, field, words",
    [
        ({"input_shape": [2], "layers": [{"out_features": 3}]}, (0,), "type", "has no 'type'"),
        (
            {"input_shape": [2], "layers": [{"type": "Residual", "layers": [{"type": "ReLU"}, 7]}]},
            (0, 1),
            None,
            "must be a dict",
        ),
        ({"input_shape": [2], "layers": [{"type": "Residual", "layers": "ReLU"}]}, (0,), "layers", "list"),
        ({"input_shape": [2], "layers": [{"type": "ReLU", "name": 3}]}, (0,), "name", "text"),
        ({"input_shape": [2], "layers": [{"type": "Linear", "trainable": 0}]}, (0,), "trainable", "true or"),
    ],
)
def test_structural_errors_name_the_layer_position_and_field(data, path, field, words):
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict(data)
    err = info.value
    assert err.layer_path == path and err.layer_index == path[0] and err.field == field
    assert words in str(err)
    assert str(err).startswith("Layer " + ".".join(str(i + 1) for i in path))


@pytest.mark.parametrize(
    "data, field",
    [
        ({"layers": []}, "input_shape"),
        ({"input_shape": "28x28", "layers": []}, "input_shape"),
        ({"input_shape": [2], "layers": {"type": "ReLU"}}, "layers"),
        ({"input_shape": [2], "layers": [], "colour": "red"}, "colour"),
        ({"input_shape": [2], "layers": [], "init_std": "big"}, "init_std"),
    ],
)
def test_model_level_errors_name_the_field(data, field):
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict(data)
    assert info.value.field == field
    assert f"'{field}'" in str(info.value)


def test_invalid_json_is_a_spec_error_not_a_json_error():
    with pytest.raises(SpecError, match="stops being valid JSON at line 1, column 2") as info:
        ModelSpec.from_json("{'input_shape': [2]")
    assert "Expecting" not in info.value.message  # the parser's words are for developers
    with pytest.raises(SpecError):
        ModelSpec.from_json("[1, 2]")


@pytest.mark.parametrize(
    "data, says",
    [
        (b"\xe9t\xe9", "not a text file"),
        (b"", "the file is empty"),
        (b"  \n", "the file is empty"),
        ("[" * 5000 + "]" * 5000, "nest far too deep"),
    ],
)
def test_a_file_that_is_not_spec_json_gets_a_sentence_for_a_student(data, says):
    with pytest.raises(SpecError, match=says) as info:
        ModelSpec.from_json(data)
    assert "codec" not in info.value.message and "char " not in info.value.message


def test_a_model_level_error_reads_as_a_sentence_without_a_field_prefix():
    with pytest.raises(SpecError) as info:
        ModelSpec.from_dict({"input_shape": [2], "layers": "ReLU"})
    assert info.value.message == "'layers' must be a list of layers"
    assert info.value.field == "layers"


def test_spec_error_is_a_value_error_for_callers_that_catch_broadly():
    with pytest.raises(ValueError):
        dlcore.validate({"input_shape": [2], "layers": [{"type": "Nope"}]})


def test_a_frozen_layer_round_trips_and_a_trainable_one_keeps_its_dict_short():
    data = {
        "input_shape": [2],
        "layers": [
            {"type": "Linear", "trainable": False, "out_features": 3},
            {"type": "Residual", "trainable": False, "layers": [{"type": "Linear", "out_features": 3}]},
            {"type": "Linear", "trainable": True, "out_features": 1},
        ],
    }
    spec = ModelSpec.from_dict(data)
    assert [layer.trainable for layer in spec.layers] == [False, False, True]
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert "trainable" not in spec.to_dict()["layers"][2]  # on is the default, left out
    assert spec.layers[0].params == {"out_features": 3}  # a field of the layer, not a PyTorch argument
