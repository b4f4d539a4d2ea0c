"""Registry and the shared error types: loud, helpful failures."""

import pytest

from dlcore.errors import DataError, SpecError
from dlcore.registry import Registry


def make_layers():
    layers = Registry("layer", SpecError)
    for name in ("Conv2d", "Conv1d", "Linear", "LSTM"):
        layers.register(name, name.lower())
    return layers


def test_get_returns_the_registered_entry():
    assert make_layers().get("Linear") == "linear"


def test_unknown_name_suggests_the_closest_one():
    with pytest.raises(SpecError, match="unknown layer 'Conv2D' — did you mean 'Conv2d'"):
        make_layers().get("Conv2D")


def test_case_slip_is_found_even_when_far_in_spelling():
    with pytest.raises(SpecError, match="did you mean 'LSTM'"):
        make_layers().get("lstm")


def test_unknown_name_without_a_close_match_lists_what_exists():
    with pytest.raises(SpecError) as err:
        make_layers().get("Transformer")
    assert "did you mean" not in str(err.value)
    assert "known: Conv2d, Conv1d, Linear, LSTM" in str(err.value)


def test_duplicates_are_refused():
    layers = make_layers()
    with pytest.raises(KeyError, match="registered twice"):
        layers.register("Linear", "again")


def test_registry_uses_its_error_type():
    with pytest.raises(DataError):
        Registry("dataset", DataError).get("spirals")


def test_spec_error_names_layer_position_type_and_field():
    err = SpecError("must be at least 1", layer_index=2, layer_type="Conv2d", field="kernel_size")
    assert str(err) == "Layer 3 (Conv2d), field 'kernel_size': must be at least 1"
    assert isinstance(err, ValueError) and err.layer_path == (2,) and err.reason == "must be at least 1"


def test_spec_error_for_a_nested_layer_shows_the_path():
    err = SpecError("too big", layer_path=(3, 0), layer_type="Conv2d")
    assert str(err).startswith("Layer 4.1 (Conv2d): ") and err.layer_index == 3
