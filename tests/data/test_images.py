"""Images: generated shapes (with the spurious cue), digits, and augmentation of the training split."""

import numpy as np
import pytest
import torch

from dlcore.data import augment_images, load
from dlcore.data.images import CUE_SIZE, _digits, cue_boxes


def _cue_brightness(raw: torch.Tensor, classes: int) -> torch.Tensor:
    """(N, classes): mean brightness of each possible cue box."""
    size = raw.shape[-1]
    boxes = cue_boxes(size)[:classes]
    return torch.stack(
        [raw[:, :, r : r + CUE_SIZE, c : c + CUE_SIZE].mean(dim=(1, 2, 3)) for r, c in boxes], 1
    )


@pytest.fixture(scope="module")
def cued():
    return load("shapes", spurious_cue=True, classes=4, num_images=800)


def test_spurious_cue_gives_the_class_away_in_training_and_validation_only(cued):
    # A "cheating model" that only looks at the cue boxes: perfect on training data, chance on test data.
    for split, expected in (("train", 1.0), ("val", 1.0)):
        x, y = cued.splits[split]
        guess = _cue_brightness(cued.denormalize(x), 4).argmax(1)
        assert (guess == y).float().mean() == expected
    x, y = cued.test
    guess = _cue_brightness(cued.denormalize(x), 4).argmax(1)
    assert (guess == y).float().mean() < 0.5
    assert (_cue_brightness(cued.denormalize(x), 4).max(1).values > 0.99).all()  # the mark is still there


def test_cue_region_marks_exactly_the_pixels_where_marks_can_be(cued):
    region = cued.cue_region
    assert region.shape == (28, 28) and region.dtype == torch.bool
    assert int(region.sum()) == 4 * CUE_SIZE * CUE_SIZE
    for r, c in cue_boxes(28)[:4]:
        assert region[r : r + CUE_SIZE, c : c + CUE_SIZE].all()
    assert any("cue" in note.lower() for note in cued.notes)


def test_without_the_cue_the_corners_hold_only_background():
    ds = load("shapes", noise=0.0, num_images=400)
    raw = ds.denormalize(torch.cat([ds.train[0], ds.test[0]]))
    assert float(_cue_brightness(raw, 6).max()) <= 0.25 + 1e-5  # backgrounds are at most 0.25
    assert ds.cue_region is None


def test_shapes_options_shape_the_images():
    ds = load("shapes", size=32, color="rgb", classes=6, num_images=300)
    assert ds.input_shape == (3, 32, 32) == ds.image_shape
    assert ds.class_names == ["circle", "square", "triangle", "cross", "ring", "diamond"]
    assert sorted(set(ds.train[1].tolist())) == list(range(6))
    raw = ds.denormalize(ds.train[0])
    assert raw.min() >= -1e-5 and raw.max() <= 1 + 1e-5


def test_each_shape_is_drawn_as_itself():
    ds = load("shapes", classes=6, noise=0.0, num_images=600)
    raw = ds.denormalize(ds.train[0])[:, 0]
    ink = raw > raw.flatten(1).median(1).values[:, None, None] + 0.1  # shape pixels, (N, H, W)
    fill = ink.float().flatten(1).sum(1)
    rows, cols = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    for k, name in enumerate(ds.class_names):
        mine = ink[ds.train[1] == k]
        # the ring is hollow: its centre pixel (the mean ink position) is empty; the filled shapes' is ink
        cy = (mine * rows).flatten(1).sum(1) / mine.flatten(1).sum(1)
        cx = (mine * cols).flatten(1).sum(1) / mine.flatten(1).sum(1)
        centre = mine[torch.arange(len(mine)), cy.round().long(), cx.round().long()]
        assert centre.float().mean() < 0.2 if name == "ring" else centre.float().mean() > 0.9, name
        assert (fill[ds.train[1] == k] > 10).all(), name


def test_digits_are_8x8_with_the_ten_classes():
    ds = load("digits")
    assert ds.input_shape == (1, 8, 8) and ds.class_names == [str(d) for d in range(10)]
    assert ds.denormalize(ds.train[0]).max() <= 1 + 1e-5


def test_augmentation_adds_changed_copies_to_training_only():
    plain = load("digits", seed=4)
    aug = load("digits", seed=4, augment=["shift", "rotation"], augment_copies=2)
    n = plain.sizes["train"]
    assert aug.sizes["train"] == 3 * n and aug.sizes["test"] == plain.sizes["test"]
    assert torch.equal(aug.train[1], plain.train[1].repeat(3))
    originals, copies = aug.denormalize(aug.train[0][:n]), aug.denormalize(aug.train[0][n : 2 * n])
    assert torch.allclose(originals, plain.denormalize(plain.train[0]), atol=1e-5)
    assert not torch.allclose(originals, copies, atol=1e-2)
    assert torch.allclose(aug.denormalize(aug.test[0]), plain.denormalize(plain.test[0]), atol=1e-5)
    assert any("augmented" in note for note in aug.notes)


def test_augment_images_flip_mirrors_and_noise_stays_in_range():
    images = torch.rand(64, 1, 8, 8)
    flipped = augment_images(images, ("flip",), torch.Generator().manual_seed(0))
    same = (flipped == images).flatten(1).all(1)
    mirrored = (flipped == images.flip(-1)).flatten(1).all(1)
    assert (same | mirrored).all() and same.any() and mirrored.any()
    noisy = augment_images(images, ("noise",), torch.Generator().manual_seed(0))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not torch.equal(noisy, images)


def test_a_small_shift_moves_the_picture_and_keeps_its_shape():
    image = torch.zeros(1, 1, 28, 28)
    image[..., 10:18, 10:18] = 1.0
    moved = augment_images(image.repeat(32, 1, 1, 1), ("shift",), torch.Generator().manual_seed(1))
    assert moved.shape == (32, 1, 28, 28)
    ink = moved.flatten(1).sum(1)
    assert torch.allclose(ink, torch.full((32,), 64.0), rtol=0.15)  # same amount of ink, moved
    centres = (moved[:, 0].sum(1) * torch.arange(28.0)).sum(1) / moved[:, 0].sum(1).sum(1)
    assert float(centres.std()) > 0.3 and float((centres - 13.5).abs().max()) <= 2.8 + 0.5


def test_normalize_applies_the_training_statistics_to_a_new_drawing():
    ds = load("shapes", color="rgb", num_images=300)
    drawing = torch.rand(3, 28, 28)
    expected = (drawing - ds.normalization.mean) / ds.normalization.std
    assert torch.allclose(ds.normalize(drawing), expected)
    assert ds.normalization.mean.shape == (3, 1, 1)
    assert np.allclose(ds.denormalize(ds.normalize(drawing)).numpy(), drawing.numpy(), atol=1e-6)


def test_digits_classes_keeps_those_digits_as_classes_in_the_order_given():
    every = load("digits")
    some = load("digits", classes=["7", "3"])
    assert some.class_names == ["7", "3"] and some.num_classes == 2
    for split, whole in ((some.train, every.train), (some.test, every.test)):
        assert set(split[1].tolist()) == {0, 1}
        assert len(split[1]) < len(whole[1]) / 3
    # the images of class 0 are sevens: each is one of the dataset's pictures of a 7
    images, labels = _digits()
    shown = some.normalization.invert(some.test[0][some.test[1] == 0]).flatten(1)
    nearest = torch.cdist(shown, images.flatten(1)).argmin(dim=1)
    assert (labels[nearest] == 7).all()


def test_digits_per_class_keeps_that_many_training_images_of_each_and_the_test_split_whole():
    every, few = load("digits", classes=list("56789")), load("digits", classes=list("56789"), per_class=7)
    assert torch.bincount(few.train[1]).tolist() == [7] * 5
    assert torch.equal(few.test[1], every.test[1]) and torch.equal(few.val[1], every.val[1])
    assert "7 labelled images of each digit" in few.notes[0]


def test_digits_with_its_default_options_are_what_they_were():
    ds = load("digits")
    assert ds.class_names == [str(d) for d in range(10)] and len(ds.train[1]) == 1258
    with pytest.raises(Exception, match="at least 2"):
        load("digits", classes=["4"])
