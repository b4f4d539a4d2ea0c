"""The supervised recipe: what it builds from the dataset (class-weighted losses)."""

import torch

import dlcore


def rare_recall(class_weight: str) -> float:
    ds = dlcore.data.load("rare_class", noise=50, num_points=2000)
    spec = dlcore.ModelSpec.from_dict(
        {
            "input_shape": [2],
            "layers": [
                {"type": "Linear", "out_features": 8},
                {"type": "ReLU"},
                {"type": "Linear", "out_features": 2},
            ],
        }
    )
    cfg = dlcore.TrainConfig(lr=0.01, epochs=15, device="cpu", loss_options={"class_weight": class_weight})
    job = dlcore.start_training(spec, ds, cfg)
    assert job.wait(60) and job.status == "finished", job.error
    predicted = dlcore.predict(job.snapshot(), ds.test[0])[0]
    rare = ds.test[1] == 1
    return float((predicted[rare] == 1).float().mean())


def test_balanced_class_weights_come_from_the_training_split_and_find_more_of_the_rare_class():
    assert rare_recall("balanced") > rare_recall("equal") + 0.2


def test_class_counts_are_read_from_the_training_targets():
    from dlcore.training.supervised import _class_counts

    ds = dlcore.data.load("rare_class", num_points=1000, minority_share=0.1)
    assert _class_counts(ds).tolist() == torch.bincount(ds.train[1]).tolist()
    assert _class_counts(dlcore.data.load("plane")) is None  # regression: no classes to weigh
