"""A claim's runs: a run can start from the trained weights of a run listed before it (its `from`); a run is
scored at its end as training scores it, whatever the loss, so the claim and the page agree."""

from __future__ import annotations

import json

import pytest
import torch

import dlcore
from dlcore.lessons import Lesson, LessonError, check_claim, read_lesson, result_of
from dlcore.lessons.lesson import LESSON_DIR
from dlcore.lessons.runs import final_scores, run


def transfer_lesson(runs: dict) -> Lesson:
    """The shipped transfer-learning lesson with other runs (few epochs, to stay quick)."""
    data = json.loads((LESSON_DIR / "transfer_learning.json").read_text())
    data["claim"]["runs"] = runs
    data["claim"]["expect"] = [{"value": f"{next(iter(runs))}.test_accuracy", "above": 0}]
    return read_lesson("transfer_learning", data)


FIVE_TO_NINE = {"data.classes": "5,6,7,8,9", "data.per_class": "20"}


def test_a_run_starts_from_the_weights_of_the_run_it_names():
    lesson = transfer_lesson(
        {"pretrain": {"epochs": 2}, "finetune": {"set": FIVE_TO_NINE, "epochs": 1, "from": "pretrain"}}
    )
    pretrained = run(lesson, "pretrain")
    finetuned = run(lesson, "finetune", {"pretrain": pretrained})
    assert finetuned.job.transfer.loaded == ("features", "output")
    assert finetuned.job.transfer.fresh == ()
    assert finetuned.state["data.classes"] == "5,6,7,8,9"
    frozen_spec = json.loads(json.dumps(lesson.state["model"]))
    frozen_spec["layers"][1]["trainable"] = False
    lesson = transfer_lesson(
        {
            "pretrain": {"epochs": 2},
            "frozen": {"set": {**FIVE_TO_NINE, "model": frozen_spec}, "epochs": 2, "from": "pretrain"},
        }
    )
    frozen = run(lesson, "frozen", {"pretrain": pretrained})
    kept = pretrained.model.state_dict()["features.weight"]
    assert torch.equal(frozen.model.state_dict()["features.weight"], kept)


@pytest.mark.parametrize("source", ["later", "nowhere", ["first"]])
def test_a_from_that_names_no_earlier_run_is_named_in_the_error(source):
    lesson = transfer_lesson({"first": {"epochs": 1, "from": source}, "later": {"epochs": 1}})
    with pytest.raises(LessonError) as info:
        check_claim(lesson)
    assert info.value.field == "claim.runs.first.from" and "before it: none" in str(info.value)


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
