"""The GAN lessons' measures, on a claim's run of a GAN (its job holds both players):

modes_covered     how many of the ring's (or grid's) Gaussians the generator's samples reach
generator_push    how strongly the generator's loss moves its points (the mean length of its gradient
                  on them), the number that shows the minimax loss stalling
"""

from __future__ import annotations

import torch

from dlcore.errors import DlcoreError
from dlcore.generative.gan import (
    FAKE_POINTS,
    fixed_latents,
    mean_push,
    mode_centres,
    modes_covered,
)
from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import RunResult
from dlcore.training.gan import latent_size

SAMPLES = 2000  # generated points whose modes are counted


def _gan_job(result: RunResult):
    job = result.job
    if job is None or job.recipe != "gan":
        raise DlcoreError("this measure needs a GAN's run (a generator and a discriminator)")
    return job


@register_measure(
    "modes_covered",
    "how many of the ring's (or grid's) Gaussians have at least 2 % of the generator's samples near them "
    "at the end",
)
def _modes_covered(result: RunResult) -> float:
    job = _gan_job(result)
    samples = result.dataset.denormalize(job.sample(SAMPLES))
    return float(modes_covered(samples, mode_centres(result.dataset)))


@register_measure(
    "generator_push",
    "the mean length of the generator loss's gradient on its points at the end: how hard training moves them",
)
def _generator_push(result: RunResult) -> float:
    job = _gan_job(result)
    generator, discriminator = job.snapshot("generator"), job.snapshot("discriminator")
    options = job.config.recipe_options
    with torch.no_grad():
        fake = generator(fixed_latents(FAKE_POINTS, latent_size(generator), options["prior"]))
    return mean_push(discriminator, fake, options["generator_loss"])
