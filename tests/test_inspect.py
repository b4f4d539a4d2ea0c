"""Reading a model's insides: layer outputs, filters, predictions, and weight/gradient history."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from torch import nn

from dlcore.classes import classes_from_logits
from dlcore.errors import DataError
from dlcore.inspect import (
    HistoryRecorder,
    ParameterHistory,
    accuracy,
    attention_maps,
    cell_examples,
    confusion,
    dead_units,
    decode_image,
    dense_activations,
    feature_maps,
    first_layer_filters,
    layer_outputs,
    live_gradients,
    misclassified,
    most_confused,
    predict,
    to_input_image,
)


def cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = nn.Sequential()
    model.add_module("conv2d1", nn.Conv2d(1, 4, 3, padding=1))
    model.add_module("relu1", nn.ReLU())
    model.add_module("maxpool2d1", nn.MaxPool2d(2))
    model.add_module("conv2d2", nn.Conv2d(4, 6, 3))
    model.add_module("flatten1", nn.Flatten())
    model.add_module("linear1", nn.Linear(6 * 5 * 5, 16))
    model.add_module("relu2", nn.ReLU())
    model.add_module("linear2", nn.Linear(16, 3))
    return model.eval()


def test_feature_maps_cover_every_convolution_with_its_output_shape():
    maps = feature_maps(cnn(), torch.randn(1, 1, 14, 14))
    assert list(maps) == ["conv2d1", "conv2d2"]
    assert maps["conv2d1"].shape == (4, 14, 14)
    assert maps["conv2d2"].shape == (6, 5, 5)
    # conv2d1 is followed by a ReLU: the map shown is what the next layer receives (no negatives).
    assert maps["conv2d1"].min() >= 0
    assert maps["conv2d2"].min() < 0  # no activation follows conv2d2: the raw output


def test_one_dimensional_convolutions_give_channel_by_length_maps_and_filters():
    model = nn.Sequential(nn.Conv1d(1, 3, 5, padding=2), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 20, 2))
    maps = feature_maps(model, torch.randn(1, 1, 20))
    assert maps["0"].shape == (3, 20) and maps["0"].min() >= 0
    name, weight = first_layer_filters(model)
    assert name == "0" and weight.shape == (3, 1, 5)


def test_feature_maps_before_the_activation_are_the_raw_convolution():
    model, x = cnn(), torch.randn(1, 1, 14, 14)
    raw = feature_maps(model, x, after_activation=False)["conv2d1"]
    assert torch.allclose(raw, model.conv2d1(x)[0].detach())


def test_reading_layers_leaves_no_hooks_behind():
    model = cnn()
    layer_outputs(model, torch.randn(2, 1, 14, 14))
    assert all(not m._forward_hooks for m in model.modules())


def test_dense_activations_are_each_linear_output():
    model, x = cnn(), torch.randn(1, 1, 14, 14)
    acts = dense_activations(model, x)
    assert list(acts) == ["linear1", "linear2"]
    assert torch.allclose(acts["linear2"], model(x)[0].detach())


def test_attention_maps_come_from_every_attention_layer_and_rows_sum_to_one():
    import dlcore

    spec = dlcore.presets()["transformer_encoder"]
    model = dlcore.build_model(spec)
    tokens = torch.randint(0, 10, (1, *spec.input_shape))
    maps = attention_maps(model.train(), tokens)
    assert len(maps) == 2 and model.training  # read in eval mode, the model's own mode restored
    for weights in maps.values():
        assert weights.shape == (4, 8, 8)
        assert torch.allclose(weights.sum(-1), torch.ones(4, 8), atol=1e-5)


def test_first_layer_filters_are_a_copy_of_the_first_convolution():
    model = cnn()
    name, weight = first_layer_filters(model)
    assert name == "conv2d1" and torch.equal(weight, model.conv2d1.weight)
    weight.zero_()
    assert model.conv2d1.weight.abs().sum() > 0
    assert first_layer_filters(nn.Sequential(nn.Linear(2, 2))) is None


def test_predictions_confusion_and_cells_agree():
    predicted = torch.tensor([0, 1, 1, 2, 2, 2])
    actual = torch.tensor([0, 1, 2, 2, 2, 0])
    matrix = confusion(predicted, actual, 3)
    assert matrix.tolist() == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert cell_examples(predicted, actual, true_class=0, predicted_class=2) == [5]
    assert misclassified(predicted, actual) == [2, 5]
    assert most_confused(np.array([[5, 0, 2], [0, 4, 0], [1, 3, 6]])) == (2, 1)
    assert most_confused(np.eye(3, dtype=int)) == (0, 0)


def test_predict_turns_one_logit_into_two_class_probabilities():
    model = nn.Linear(1, 1)
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    classes, probs = predict(model, torch.tensor([[-2.0], [3.0]]))
    assert classes.tolist() == [0, 1]
    assert torch.allclose(probs.sum(1), torch.ones(2))
    assert classes_from_logits(torch.tensor([[0.1, 0.9, 0.0]])).tolist() == [1]


def test_accuracy_is_the_share_of_inputs_whose_predicted_class_is_their_label():
    model = nn.Linear(1, 1)  # one logit: class 1 where the input is positive
    with torch.no_grad():
        model.weight.fill_(1.0)
        model.bias.zero_()
    x = torch.tensor([[-2.0], [3.0], [1.0], [-1.0]])
    assert accuracy(model, x, torch.tensor([0, 1, 0, 0])) == 0.75
    assert accuracy(model, x, torch.tensor([1, 0, 0, 1])) == 0.0


def test_live_gradients_are_copies_of_what_backward_left():
    model, x, y = cnn(), torch.randn(4, 1, 14, 14), torch.tensor([0, 1, 2, 0])
    assert live_gradients(model) == {}
    nn.CrossEntropyLoss()(model(x), y).backward()
    grads = live_gradients(model)
    assert list(grads) == ["conv2d1", "conv2d2", "linear1", "linear2"]
    assert torch.equal(grads["linear2"], model.linear2.weight.grad)
    grads["linear2"].zero_()
    assert model.linear2.weight.grad.abs().sum() > 0


def _fit_with(callbacks, epochs=40, seed=0):
    """A small BatchNorm/Dropout/ReLU net trained on 64 random points (4 steps an epoch); returns it."""
    from dlcore.training import TrainData, fit
    from dlcore.training.objective import make_objective
    from dlcore.training.supervised import SupervisedRecipe

    torch.manual_seed(seed)
    x, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    model = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    objective = make_objective("cross_entropy", "multiclass", 2, (2,), ())
    data = TrainData(train=(x, y), val=(x[:0], y[:0]), test=(x[:0], y[:0]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(seed)
    logs = fit(
        SupervisedRecipe(model, objective, data, optimizer),
        data,
        epochs=epochs,
        batch_size=16,
        callbacks=callbacks,
        generator=generator,
    )
    assert logs["status"] == "finished"
    return model


def test_the_history_starts_before_the_first_step_and_ends_at_the_last():
    history = ParameterHistory()
    _fit_with([HistoryRecorder(history, interval_s=1e9, budget=1e9)], epochs=40)  # 160 steps, no timed ones
    assert history.steps() == [0, 1, 2, 4, 8, 16, 32, 64, 128, 160]
    frame = history.percentiles()
    assert set(frame[frame["step"] == 0]["kind"]) == {"weight"}  # no gradient before the first step
    assert set(frame[frame["step"] == 1]["kind"]) == {"weight", "gradient"}
    assert set(history.dead_units()["layer"]) == {"2"}


def test_a_long_history_stays_bounded_and_keeps_its_ends():
    history = ParameterHistory(max_records=8)
    _fit_with([HistoryRecorder(history, interval_s=0.0, budget=1e9)], epochs=10)  # a record every step
    assert len(history) < 8 and history.thinned >= 1
    assert history.steps()[0] == 0 and history.steps()[-1] == 40


def test_recording_the_history_does_not_change_training():
    # The dead-unit probe runs in eval mode: batch norm statistics and dropout draws are left alone.
    plain = _fit_with([], epochs=3)
    recorded = _fit_with([HistoryRecorder(ParameterHistory(), interval_s=0.0, budget=1e9)], epochs=3)
    for name, value in plain.state_dict().items():
        assert torch.equal(value, recorded.state_dict()[name]), name


def test_a_diverged_layer_is_recorded_from_its_finite_values():
    model = nn.Linear(2, 2)
    with torch.no_grad():
        model.weight[0, 0] = float("inf")
    history = ParameterHistory()
    history.record(3, model)
    assert history.percentiles()["p100"].iloc[0] < float("inf")


def test_dead_units_finds_a_relu_that_never_fires():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    with torch.no_grad():
        model[0].bias.copy_(torch.tensor([-100.0, -100.0, 100.0, 100.0]))
    assert dead_units(model, torch.randn(32, 3)) == {"1": 0.5}


@settings(max_examples=20, deadline=None)
@given(scale=st.floats(1e-3, 100.0), seed=st.integers(0, 1000))
def test_history_percentiles_are_ordered_and_histograms_count_every_weight(scale, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(scale)
    x, y = torch.randn(8, 5), torch.randint(0, 2, (8,))
    nn.CrossEntropyLoss()(model(x), y).backward()
    history = ParameterHistory()
    history.record(10, model, live_gradients(model))
    frame = history.percentiles()
    assert set(frame["kind"]) == {"weight", "gradient"}
    columns = [c for c in frame.columns if c.startswith("p")]
    assert (np.diff(frame[columns].to_numpy(), axis=1) >= -1e-9).all()
    (hist,) = history.histograms("0", "weight")
    assert hist["counts"].sum() == 5 * 7 and hist["step"] == 10


def test_a_full_history_thins_out_but_keeps_the_first_and_latest_moment():
    history = ParameterHistory(max_records=4)
    model = nn.Linear(2, 2)
    for step in range(9):
        history.record(step, model)
    assert history.steps()[0] == 0 and history.steps()[-1] == 8
    assert len(history) < 4 and history.thinned >= 1
    assert history.layers() == ["linear"]


def test_weights_drift_shows_in_the_history():
    model = nn.Linear(4, 4)
    history = ParameterHistory()
    history.record(0, model)
    with torch.no_grad():
        model.weight.add_(5.0)
    history.record(1, model)
    medians = history.percentiles()["p50"].tolist()
    assert medians[1] == pytest.approx(medians[0] + 5.0, abs=1e-5)


def _png(array: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_uploaded_dark_on_light_image_becomes_light_on_dark_at_the_dataset_size():
    picture = np.full((60, 40), 255, dtype=np.uint8)
    picture[20:40, 15:25] = 0  # a dark bar on white paper
    raw = to_input_image(decode_image(_png(picture)), (1, 8, 8), invert="auto")
    assert raw.shape == (1, 8, 8)
    assert 0 <= raw.min() and raw.max() <= 1
    assert raw[0, 4, 4] > 0.5 and raw[0, 0, 0] < 0.1  # ink is bright, like the training images


def test_a_colour_image_is_resized_to_three_channels():
    picture = np.zeros((30, 30, 3), dtype=np.uint8)
    picture[..., 0] = 255
    raw = to_input_image(decode_image(_png(picture)), (3, 28, 28), invert=False)
    assert raw.shape == (3, 28, 28)
    assert raw[0].mean() == pytest.approx(1.0) and raw[1].mean() == pytest.approx(0.0)


def test_a_file_that_is_not_an_image_is_a_readable_error():
    with pytest.raises(DataError, match="PNG or JPEG"):
        decode_image(b"not an image at all")


def test_a_large_photo_is_shrunk_before_it_becomes_floats():
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (200, 30, 30)).save(buffer, format="JPEG")
    pixels = decode_image(buffer.getvalue())
    assert pixels.shape[2] == 3 and max(pixels.shape[:2]) == 1024
    assert abs(pixels.shape[1] / pixels.shape[0] - 1.5) < 0.01  # the shape of the picture is kept
    assert abs(float(pixels[..., 0].mean()) - 200 / 255) < 0.02


def test_only_png_and_jpeg_are_opened():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="GIF")
    with pytest.raises(DataError, match="PNG or JPEG"):
        decode_image(buffer.getvalue())
