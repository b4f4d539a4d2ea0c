"""Measures of the diffusion lessons (why the noise schedule matters, fewer sampling steps with DDIM), on
runs of the Generative page (dlcore/lessons/generative.py trains them).

    {"value": {"run": "trained", "measure": "sample_distance", "sampler": "ddim", "steps": 20},
     "at_most": {"run": "trained", "measure": "sample_distance", "sampler": "ddim", "steps": 100},
     "times": 1.5}
"""

from __future__ import annotations

from dlcore import generative as gen
from dlcore.generative.diffusion import denoising_process, sample_distance, signal_left
from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import RunResult

NEARLY_NOISE = 0.01  # below this share of the data's signal, a noisy example is nearly pure noise


def _options(result: RunResult) -> dict:
    """The diffusion recipe's options (defaults filled in) of the page state the run trained."""
    state = gen.from_query(result.state)[0]
    return gen.kind_of(state).recipe_options(state, gen.options_of(state))


@register_measure(
    "sample_distance",
    "the energy distance between 1,000 samples of the trained denoiser and the held-out points (0: the "
    "same cloud), sampled by `sampler` ('ancestral' or 'ddim') in `steps` steps (DDIM only)",
)
def _sample_distance(result: RunResult, sampler: str = "ancestral", steps: int | None = None) -> float:
    process = denoising_process(result.model, _options(result), result.dataset.train[0], sampler, steps)
    return sample_distance(process, result.dataset.test[0])


@register_measure(
    "noise_only_steps",
    f"the share of the run's noising steps after which less than {NEARLY_NOISE:.0%} of the data's signal "
    "is left (ᾱ below 0.01): steps where the denoiser sees nearly pure noise",
)
def _noise_only_steps(result: RunResult) -> float:
    options = _options(result)
    left = signal_left(options["noise_schedule"], options["timesteps"])[1:]
    return float((left < NEARLY_NOISE).double().mean())
