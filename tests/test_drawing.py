"""A drawn digit is made into an image like the dataset's: the default digits model must read it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

import dlcore
import dlcore.data
from dlcore.drawing import drawing_to_image

CANVAS = 280


def _arc(cx, cy, rx, ry, start_deg, end_deg, n=24):
    angles = (math.radians(start_deg + (end_deg - start_deg) * i / n) for i in range(n + 1))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


# Each digit as pen strokes in a unit box, y pointing down (so 90 degrees is the bottom of an arc).
STROKES = {
    0: [_arc(0.5, 0.5, 0.4, 0.5, 0, 360)],
    1: [[(0.35, 0.2), (0.6, 0.0), (0.6, 1.0)]],
    2: [_arc(0.5, 0.28, 0.4, 0.28, 180, 380) + [(0.1, 1.0), (0.9, 1.0)]],
    3: [_arc(0.5, 0.25, 0.38, 0.25, 200, 450) + _arc(0.5, 0.73, 0.42, 0.27, 270, 520)],
    4: [[(0.7, 0.0), (0.1, 0.65), (0.95, 0.65)], [(0.7, 0.3), (0.7, 1.0)]],
    5: [[(0.9, 0.0), (0.2, 0.0), (0.15, 0.45)] + _arc(0.5, 0.68, 0.4, 0.32, 240, 500)],
    6: [[(0.7, 0.0), (0.4, 0.2), (0.22, 0.5)] + _arc(0.52, 0.75, 0.32, 0.25, 180, 540)],
    7: [[(0.1, 0.0), (0.9, 0.0), (0.35, 1.0)]],
    8: [[(0.5 + 0.4 * math.sin(2 * t), 0.5 - 0.5 * math.cos(t)) for t in np.linspace(0, 2 * math.pi, 49)]],
    9: [_arc(0.5, 0.3, 0.38, 0.3, 0, 360) + [(0.88, 0.3), (0.8, 1.0)]],
}


def draw(digit: int, left: float, top: float, height: float, pen: int, aspect: float = 0.7) -> np.ndarray:
    """The digit as a drawing canvas delivers it: (280, 280, 4) RGBA, near-white strokes on transparent."""
    img = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    canvas = ImageDraw.Draw(img)
    for stroke in STROKES[digit]:
        points = [(left + x * height * aspect, top + y * height) for x, y in stroke]
        canvas.line(points, fill=(250, 250, 250, 255), width=pen, joint="curve")
        for x, y in (points[0], points[-1]):  # a round pen: round ends
            canvas.ellipse((x - pen / 2, y - pen / 2, x + pen / 2, y + pen / 2), fill=(250, 250, 250, 255))
    return np.asarray(img)


@pytest.fixture(scope="module")
def digits():
    return dlcore.data.load("digits")


@pytest.fixture(scope="module")
def default_model(digits):
    """The digits_mlp preset trained on digits with the default settings (seeded, on the CPU)."""
    job = dlcore.start_training(
        dlcore.presets()["digits_mlp"], digits, dlcore.TrainConfig(device="cpu", seed=0)
    )
    assert job.wait(120) and job.status == "finished"
    return job.snapshot().eval()


def test_the_default_model_reads_digits_drawn_anywhere_at_any_size(digits, default_model):
    # Off-centre, of varied sizes and pen widths, as students draw them (and as the old preprocessing
    # misread eight of these ten).
    read = {}
    for digit in range(10):
        canvas = draw(
            digit,
            left=20 + 17 * digit % 90,
            top=15 + 13 * digit % 60,
            height=110 + 9 * digit,
            pen=18 + digit % 3 * 4,
        )
        x = digits.normalize(drawing_to_image(canvas, digits))[None]
        read[digit] = int(default_model(x).argmax(dim=1))
    assert sum(read[d] == d for d in range(10)) >= 8, f"drawn -> read: {read}"


@settings(max_examples=25, deadline=None)
@given(
    digit=st.integers(0, 9),
    height=st.integers(60, 240),
    pen=st.integers(8, 32),
    where=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_a_drawing_looks_like_a_training_digit_wherever_and_however_big_it_is(
    digits, digit, height, pen, where
):
    width = height * 0.7
    left = pen + where[0] * (CANVAS - 2 * pen - width)
    top = pen + where[1] * (CANVAS - 2 * pen - height)
    image = drawing_to_image(draw(digit, left, top, height, pen), digits)[0]  # (8, 8)
    assert image.shape == (8, 8)
    # The dataset's grey levels: counts of ink in 4x4 blocks, 0..16, over 16.
    assert torch.equal(image * 16, (image * 16).round()) and image.min() >= 0 and image.max() <= 1
    # Its darkest block is (nearly) full, as in every training digit (98% reach 16/16, all reach 14/16).
    assert image.max() >= 14 / 16
    assert (image > 0).any(dim=1).all()  # a training digit spans the full height of its frame
    ys, xs = torch.meshgrid(torch.arange(8.0), torch.arange(8.0), indexing="ij")
    centre = ((image * ys).sum() / image.sum(), (image * xs).sum() / image.sum())
    assert abs(centre[0] - 3.5) < 1 and abs(centre[1] - 3.5) < 1  # centred by mass, like them
    assert image.mean() >= 0.25  # as much ink as they have (the raw dataset's mean brightness is 0.30)


def test_a_blank_canvas_gives_a_blank_image_of_the_datasets_shape(digits):
    blank = np.zeros((CANVAS, CANVAS, 4), dtype=np.uint8)
    assert torch.equal(drawing_to_image(blank, digits), torch.zeros(1, 8, 8))
