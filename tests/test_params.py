"""Param.coerce and coerce_all: one validator for layer arguments, dataset options and hyperparameters."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.params import Param, ParamValueError, coerce_all

KERNEL = Param("kernel_size", "ints", 3, "Size of the sliding window.", min=1, max=15)
RATE = Param("lr", "float", 1e-3, "Step size.", min=1e-6, max=10.0, log=True)
UNITS = Param("out_features", "int", None, "Number of outputs.", min=1, max=4096)


@given(st.integers(min_value=1, max_value=4096))
def test_ints_in_range_pass_through(n):
    assert UNITS.coerce(n) == n


@given(st.integers().filter(lambda n: n < 1 or n > 4096))
def test_ints_out_of_range_name_the_field_and_the_bound(n):
    with pytest.raises(ValueError, match="'out_features' must be at (least 1|most 4096)"):
        UNITS.coerce(n)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf, "nan", "inf"])
def test_non_finite_floats_are_refused(x):
    with pytest.raises(ValueError, match="finite"):
        RATE.coerce(x)


def test_whole_floats_and_numeric_strings_become_ints():
    assert UNITS.coerce(8.0) == 8
    assert UNITS.coerce(" 16 ") == 16
    with pytest.raises(ValueError, match="whole number"):
        UNITS.coerce(2.5)
    with pytest.raises(ValueError, match="whole number"):
        UNITS.coerce(True)


def test_ints_kind_takes_one_number_or_a_pair():
    assert KERNEL.coerce(5) == 5
    assert KERNEL.coerce([3, 5]) == (3, 5)
    with pytest.raises(ValueError, match="one number or 2 numbers"):
        KERNEL.coerce([3, 5, 7])
    with pytest.raises(ValueError, match="at least 1"):
        KERNEL.coerce([0, 3])


def test_required_value_says_what_it_is_for():
    with pytest.raises(ValueError, match="'out_features' is required: Number of outputs"):
        UNITS.coerce(None)


def test_choice_lists_the_options():
    act = Param("activation", "choice", "relu", "Non-linearity.", choices=("relu", "tanh"))
    assert act.coerce("tanh") == "tanh"
    with pytest.raises(ValueError, match="one of 'relu', 'tanh'"):
        act.coerce("ReLu")


def test_coerce_all_fills_defaults_and_refuses_unknown_keys():
    params = (KERNEL, RATE)
    assert coerce_all(params, {"lr": "0.1"}) == {"kernel_size": 3, "lr": 0.1}
    with pytest.raises(ParamValueError) as err:
        coerce_all(params, {"kernel": 3})
    assert err.value.field == "kernel" and "known: kernel_size, lr" in str(err.value)
    with pytest.raises(ParamValueError) as err:
        coerce_all(params, {"lr": -1})
    assert err.value.field == "lr"


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown kind"):
        Param("x", "complex", 0, "")


def link_params() -> list[Param]:
    """Every Param a link carries: the settings, every dataset's options, the catalogues' and recipes'."""
    import dlcore
    import dlcore.data

    params = list(dlcore.TrainConfig.params())
    params += [p for name in dlcore.data.names() for p in dlcore.data.options(name)]
    for registry in (dlcore.LOSSES, dlcore.OPTIMIZERS, dlcore.SCHEDULES, dlcore.RECIPES):
        params += [p for _, entry in registry.items() for p in entry.params]
    return params


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_every_value_of_a_param_reads_back_from_its_text(data):
    from tests.training.test_link import value_of

    param = data.draw(st.sampled_from(link_params()))
    value = param.coerce(data.draw(value_of(param)) if param.kind != "str" else param.default)
    assert param.from_text(param.to_text(value)) == value


def test_text_that_a_param_cannot_take_is_refused_naming_the_field():
    with pytest.raises(ValueError, match="'lr' must be at most 10"):
        RATE.from_text("100")
    size = Param("size", "choice", 28, "Image size.", choices=(28, 32))
    assert size.from_text("32") == 32 and Param("on", "bool", False, "").from_text("true") is True
    with pytest.raises(ValueError, match="'size' must be one of 28, 32"):
        size.from_text("30")
