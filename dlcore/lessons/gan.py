"""The GAN lessons' measures, on a claim's run of a GAN (its job holds both players):

modes_covered     how many of the ring's (or grid's) Gaussians the generator's samples reach
generator_push    how strongly the generator's loss moves its points (the mean length of its gradient
                  on them), the number that shows the minimax loss stalling
"""

from __future__ import annotations

from dlcore.errors import DlcoreError
from dlcore.generative.gan import job_picture, mean_push, mode_centres, modes_covered
from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import RunResult

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
    return mean_push(job_picture(_gan_job(result)))
