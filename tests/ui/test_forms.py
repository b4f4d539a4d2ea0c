"""ui.forms: widget values <-> Param values, without a browser."""

from hypothesis import given
from hypothesis import strategies as st

from dlcore import Param
from ui import forms

KERNEL = Param("kernel_size", "ints", 3, "Size of the window.", min=1, max=64)
SHAPE = Param("input_shape", "intlist", (1, 8, 8), "Size of one example.", min=1)
INIT = Param("init", "choice", None, "How weights start.", choices=("default", "zeros"), optional=True)
LR = Param("lr", "float", 1e-3, "Learning rate.", min=1e-7, max=10.0, log=True)


@given(st.lists(st.integers(1, 64), min_size=1, max_size=6))
def test_lists_of_ints_survive_the_text_box(values):
    text = forms.format_value(SHAPE, values)
    assert SHAPE.coerce(forms.parse_value(SHAPE, text)) == tuple(values)


@given(st.one_of(st.integers(1, 64), st.tuples(st.integers(1, 64), st.integers(1, 64))))
def test_kernel_sizes_survive_the_text_box_as_one_number_or_a_pair(value):
    assert KERNEL.coerce(forms.parse_value(KERNEL, forms.format_value(KERNEL, value))) == value


def test_students_may_type_shapes_the_way_they_write_them():
    for text in ("1, 28, 28", "1 28 28", "1x28x28", "[1, 28, 28]", "(1,28,28)", "1×28×28"):
        assert SHAPE.coerce(forms.parse_value(SHAPE, text)) == (1, 28, 28)


def test_an_empty_or_wordy_shape_is_a_message_not_a_crash():
    for text in ("", "one, 2", "1, -3"):
        try:
            SHAPE.coerce(forms.parse_value(SHAPE, text))
        except ValueError as err:
            assert "input_shape" in str(err)
        else:
            raise AssertionError(f"{text!r} was accepted")


def test_an_optional_choice_can_be_set_back_to_automatic():
    assert forms.format_value(INIT, None) == forms.AUTOMATIC
    assert INIT.coerce(forms.parse_value(INIT, forms.AUTOMATIC)) is None
    assert INIT.coerce(forms.parse_value(INIT, "zeros")) == "zeros"


def test_log_scaled_numbers_step_by_their_order_of_magnitude():
    assert forms.float_step(LR, 0.001) == 0.001
    assert forms.float_step(LR, 0.05) == 0.01


def test_differs_compares_lists_and_tuples_by_content():
    assert not forms.differs([3, 3], (3, 3))
    assert forms.differs(16, 32)
