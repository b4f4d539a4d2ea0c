"""What a training run makes now, for the live view beside its loss chart: new examples drawn the way the
data looks (points over the data, a grid of images), or a language model's answers to held-out questions.

Pages call `live_view(job)` several times a second while the job trains; everything it reads comes
through the job's public methods (samples are made on the training thread between steps).
"""

from __future__ import annotations

import plotly.graph_objects as go
import torch

from dlcore.errors import TrainError
from dlcore.plots.samples import sample_figure, written_answers
from dlcore.training.language import LanguageModel
from dlcore.training.recipe import make_recipe

SAMPLES = 500  # new examples per view: all of them drawn (plots.MAX_POINTS)
QUESTIONS = 8  # held-out questions a language model answers per view


def live_view(job) -> go.Figure | None:
    """The picture of what `job`'s models make now, or None for a run that makes nothing to show
    (a classifier; an autoencoder, which has nothing to draw new codes from; data with no picture)."""
    try:
        return sample_figure(job.dataset, job.sample(SAMPLES))
    except TrainError:
        pass
    return answers(job)


def answers(job, n: int = QUESTIONS) -> go.Figure | None:
    """A language model's answers, written token by token, to the first `n` test questions, beside the
    right answers; None for a run that is no language model. Decoded from a copy of the weights."""
    recipe = make_recipe(job.recipe, job.snapshots(), job.dataset, job.config, torch.device("cpu"))
    if not isinstance(recipe, LanguageModel):
        return None
    questions, right = job.dataset.test[0][:n], job.dataset.test[1][:n]
    return written_answers(job.dataset, questions, recipe.complete(questions), right)
