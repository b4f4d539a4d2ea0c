"""The model being built: names for its files."""

from ui.build.model import file_stem


def test_a_file_name_is_made_from_the_model_name():
    assert file_stem("Digits MLP") == "digits_mlp"
    assert file_stem("LeNet-5") == "lenet_5"
    assert file_stem("") == file_stem("  ") == "model"
