"""The cheating-model lesson, checked for real: two CNNs trained by the training engine on the shapes, one
with the spurious corner mark and one without, explained on the same training images."""

from __future__ import annotations

import pytest

import dlcore
from ui.explain.lesson_models import LESSON_PRESET


def trained(spurious_cue: bool):
    ds = dlcore.data.load("shapes", spurious_cue=spurious_cue, num_images=800)
    job = dlcore.start_training(dlcore.presets()[LESSON_PRESET], ds, dlcore.TrainConfig(epochs=5, lr=3e-3))
    assert job.wait(120) and job.status == "finished", job.error
    return job.snapshot(), ds


@pytest.fixture(scope="module")
def lesson():
    cheater, cue_data = trained(True)
    honest, _ = trained(False)
    return cheater, honest, cue_data


def mean_mass(method: str, model, data) -> float:
    x, y = data.train[0][:64], data.train[1][:64]  # training images: the mark sits at the class's corner
    maps = dlcore.explain(method, model, x, y)
    return sum(dlcore.attribution_mass(a, data.cue_region) for a in maps) / len(maps)


def test_the_cue_model_cheats_on_the_test_split_and_the_honest_one_does_not(lesson):
    cheater, honest, data = lesson
    test_x, test_y = data.test  # marks in random corners here

    def accuracy(model):
        return float((dlcore.predict(model, test_x)[0] == test_y).float().mean())

    assert accuracy(cheater) < 0.5 < accuracy(honest)


@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "smoothgrad", "hirescam"])
def test_gradient_maps_of_the_cue_model_point_at_the_corner_mark(lesson, method):
    cheater, honest, data = lesson
    cheat, fair = mean_mass(method, cheater, data), mean_mass(method, honest, data)
    assert cheat > 2 * fair, f"{method}: {cheat:.3f} of the map on the cue pixels vs {fair:.3f}"


def test_hirescam_tells_the_models_apart_where_grad_cam_cannot(lesson):
    # Grad-CAM's one averaged gradient per channel lights the shape as much as the mark in both models.
    cheater, honest, data = lesson

    def separation(method):
        return mean_mass(method, cheater, data) / max(mean_mass(method, honest, data), 1e-6)

    hires, grad = separation("hirescam"), separation("grad_cam")
    assert hires > 2 * grad, f"cheater/honest mass on the mark: HiResCAM {hires:.2f}×, Grad-CAM {grad:.2f}×"
