"""A run is scored at its end as training scores it, whatever the loss: the claim and the page agree."""

import torch

import dlcore
from dlcore.lessons import result_of
from dlcore.lessons.runs import final_scores

DIGITS_MLP = {
    "input_shape": [1, 8, 8],
    "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 10}],
}


def test_a_run_trained_with_mse_on_classes_is_scored_against_one_hot_targets():
    dataset = dlcore.data.load("digits")
    job = dlcore.start_training(
        DIGITS_MLP, dataset, dlcore.TrainConfig(loss="mse", epochs=2, lr=0.01, device="cpu")
    )
    job.wait()
    result = result_of(job, dataset, {"data": "digits", "loss": "mse"}, "mse")
    inputs, labels = dataset.test
    with torch.no_grad():
        scores = result.model(inputs)
    one_hot = torch.nn.functional.one_hot(labels, 10).float()
    assert result.final["test_accuracy"] == float((scores.argmax(1) == labels).float().mean())
    assert abs(result.final["test_loss"] - float(((scores - one_hot) ** 2).mean())) < 1e-6


def test_dropout_is_off_when_a_run_is_scored():
    dataset = dlcore.data.load("digits")
    layers = [{"type": "Flatten"}, {"type": "Dropout", "p": 0.9}, {"type": "Linear", "out_features": 10}]
    model = dlcore.build_model(dlcore.ModelSpec.from_dict({"input_shape": [1, 8, 8], "layers": layers}))
    model.train()
    first = final_scores(model, dataset, "cross_entropy")
    assert first == final_scores(model, dataset, "cross_entropy") and model.training
