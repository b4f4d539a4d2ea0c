"""A digit drawn on a canvas, made into an image the way the dataset's own images were made.

scikit-learn's 8x8 digits (UCI "optdigits") were scanned as 32x32 black-and-white bitmaps, each digit
scaled to the full height of the frame, then every 4x4 block was counted (0..16 ink pixels, scaled here
to 0..1). A canvas drawing is nothing like that: a thin stroke, anywhere, of any size, at a high
resolution. Shrunk as it is, it reaches the model as a faint, off-centre smudge and is misread.

So a drawing is cropped to its ink, scaled to the size the dataset's digits have (measured from its
training images), centred by its centre of mass, thickened until it carries as much ink as a training
image does on average, and block-averaged down, which gives the dataset's own grey levels.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

SUPERSAMPLE = 4  # the dataset's bitmaps were 4x the image side (32 px for 8x8); the drawing is built at it
INK_LEVEL = 0.5  # canvas pixels brighter than this (after transparency) are ink
STYLE_SAMPLE = 1000  # training images measured for the size and amount of ink of a typical one


def canvas_ink(canvas: np.ndarray) -> np.ndarray:
    """Brightness (H, W) in [0, 1] of a canvas's pixels (H, W, 3 or 4), uint8; transparent counts as dark."""
    pixels = np.asarray(canvas, dtype=np.float32) / 255.0
    brightness = pixels[..., :3].mean(axis=-1)
    return brightness * pixels[..., 3] if pixels.shape[-1] == 4 else brightness


def ink_style(raw: torch.Tensor) -> tuple[float, float]:
    """(height, ink) of typical raw images (N, C, H, W) in [0, 1]: the median fraction of the rows the
    ink spans, and the mean brightness."""
    gray = raw.mean(dim=1)  # (N, H, W)
    rows_with_ink = (gray > 0.05).any(dim=2).sum(dim=1).float()
    return float(rows_with_ink.median()) / gray.shape[1], float(gray.mean())


def drawing_to_image(canvas: np.ndarray, dataset) -> torch.Tensor:
    """A canvas drawing (H, W, 4) RGBA or (H, W, 3) uint8, bright strokes on a dark or transparent
    background -> a raw image (C, H, W) in [0, 1] made like `dataset`'s images (pass it to
    `dataset.normalize`). A canvas without ink gives a blank image.
    """
    channels, height, width = dataset.input_shape
    big_h, big_w = height * SUPERSAMPLE, width * SUPERSAMPLE
    ink = torch.as_tensor(canvas_ink(canvas) > INK_LEVEL)
    if not ink.any():
        return torch.zeros(channels, height, width)
    digit_height, target_ink = ink_style(dataset.denormalize(dataset.train[0][:STYLE_SAMPLE]))

    rows, cols = torch.nonzero(ink.any(dim=1))[:, 0], torch.nonzero(ink.any(dim=0))[:, 0]
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1].float()
    scale = min(digit_height * big_h / crop.shape[0], big_w / crop.shape[1])  # keep its proportions
    size = (max(1, round(crop.shape[0] * scale)), max(1, round(crop.shape[1] * scale)))
    # A quarter-covered pixel stays ink, so a thin stroke survives the shrinking.
    digit = (F.interpolate(crop[None, None], size=size, mode="area")[0, 0] >= 0.25).float()

    frame = torch.zeros(big_h, big_w)
    top, left = _centred_by_mass(digit, big_h, big_w)
    frame[top : top + size[0], left : left + size[1]] = digit
    for _ in range(2 * SUPERSAMPLE):  # thicken a pen stroke to the dataset's stroke, a pixel at a time
        if frame.mean() >= target_ink:
            break
        frame = F.max_pool2d(frame[None, None], 3, stride=1, padding=1)[0, 0]
    image = F.avg_pool2d(frame[None, None], SUPERSAMPLE)[0]  # (1, H, W): counts of ink in each block
    return image.expand(channels, height, width).clone()


def _centred_by_mass(digit: torch.Tensor, frame_h: int, frame_w: int) -> tuple[int, int]:
    """Top-left corner that puts the ink's centre of mass at the frame's centre (kept inside the frame)."""
    ys, xs = torch.nonzero(digit, as_tuple=True)
    top = round((frame_h - 1) / 2 - ys.float().mean().item())
    left = round((frame_w - 1) / 2 - xs.float().mean().item())
    return min(max(top, 0), frame_h - digit.shape[0]), min(max(left, 0), frame_w - digit.shape[1])
