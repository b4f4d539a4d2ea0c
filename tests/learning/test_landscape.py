"""The loss landscape: filter-normalised directions, the line from the first weights, the 2-D slice."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore.jobs import JobPool
from dlcore.learning.landscape import (
    LandscapeError,
    LossProblem,
    filter_normalised_direction,
    job_landscape,
    loss_line,
    loss_slice,
    problem_of,
)

DIGITS_MLP = {
    "input_shape": [1, 8, 8],
    "layers": [
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 16},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 10},
    ],
}


@pytest.fixture(scope="module")
def job():
    """A digits MLP trained for two epochs (its kept moments make the path)."""
    ds = dlcore.data.load("digits")
    spec = dlcore.ModelSpec.from_dict(DIGITS_MLP)
    pool = JobPool(heartbeat_grace_s=600)
    trained = dlcore.start_training(
        spec, ds, dlcore.TrainConfig(device="cpu", epochs=2, optimizer="adam", lr=0.01), pool=pool
    )
    assert trained.wait(60) and trained.status == "finished"
    return trained


def model_loss(job, model, problem) -> float:
    """The job's own loss of `model` on the problem's sample, computed the plain way."""
    with torch.no_grad():
        return float(job.objective.loss(model.eval()(problem.x), problem.y))


@settings(max_examples=30)
@given(
    shape=st.sampled_from([(8, 3, 3, 3), (16, 64), (4, 2, 5), (10,), (1, 7)]),
    seed=st.integers(0, 10_000),
)
def test_each_filter_of_a_direction_has_the_norm_of_the_filter_it_moves(shape, seed):
    weight = torch.randn(shape, generator=torch.Generator().manual_seed(seed + 1)) * 3
    direction = filter_normalised_direction({"w": weight}, torch.Generator().manual_seed(seed))["w"]
    assert direction.shape == weight.shape
    if weight.dim() == 1:  # biases and normalisation scales stay still
        assert torch.count_nonzero(direction) == 0
    else:
        torch.testing.assert_close(direction.flatten(1).norm(dim=1), weight.flatten(1).norm(dim=1))


def test_the_slice_centre_is_the_models_loss(job):
    problem = problem_of(job)
    picked = loss_slice(problem, points=5, span=0.5)
    assert picked.losses.shape == (5, 5) and picked.alphas[2] == picked.betas[2] == 0.0
    assert picked.centre_loss == pytest.approx(model_loss(job, job.snapshot(), problem), rel=1e-5)
    assert picked.losses.min() < picked.losses.max()  # the plane is not flat


def test_the_lines_ends_are_the_first_and_the_final_losses(job):
    problem = problem_of(job)
    line = loss_line(problem, job.rewind.first_state(), points=9)
    assert line.start_loss == pytest.approx(model_loss(job, job.snapshot(step=0), problem), rel=1e-5)
    assert line.end_loss == pytest.approx(model_loss(job, job.snapshot(), problem), rel=1e-5)
    assert line.start_loss > 2 * line.end_loss  # training went downhill
    assert line.alphas[0] < 0 < 1 < line.alphas[-1]


def test_the_path_plane_holds_the_training_path_and_ends_at_the_centre(job):
    path = [(step, job.rewind.state_at(step)) for step in job.rewind.steps()]
    problem = problem_of(job, model=job.snapshot(step=path[-1][0]))
    picked = loss_slice(problem, points=5, plane="path", path=path)
    assert picked.path.shape == (len(path), 2) and picked.path_steps == tuple(s for s, _ in path)
    np.testing.assert_allclose(picked.path[-1], 0.0, atol=1e-4)  # the path ends at the weights now
    assert 0.5 < sum(picked.explained) <= 1.0 + 1e-9
    reach = np.abs(picked.path).max(axis=0)
    assert picked.alphas[-1] > reach[0] and picked.betas[-1] > reach[1]  # the grid covers the path


def test_progress_is_reported_to_the_end(job):
    seen = []
    loss_slice(problem_of(job), points=5, progress=seen.append)
    assert seen == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"points": 6}, "'points' must be odd, so that the current weights sit at the centre: try 7"),
        ({"points": 3}, "'points' must be at least 5"),
        ({"points": 99}, "'points' must be at most 51"),
        ({"span": 0}, "'span' must be at least 0.1"),
        ({"plane": "pca"}, "'plane' must be one of 'random', 'path'"),
        ({"plane": "path", "path": []}, "the training path needs at least three kept moments"),
    ],
)
def test_bad_settings_say_what_to_change(job, settings_, message):
    with pytest.raises(LandscapeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        loss_slice(problem_of(job), **settings_)


def test_no_model_or_a_recipe_without_one_loss_is_explained(job):
    with pytest.raises(LandscapeError, match="there is no model yet: train one on the Train page first"):
        problem_of(None)

    class GanLike:
        objective, recipe = None, "gan"

    with pytest.raises(LandscapeError, match="needs a model trained to fit targets .* the gan recipe"):
        problem_of(GanLike())


class LastStep(nn.Module):
    """An LSTM over a sequence, scored at its last step (no vmap batching rule for aten::lstm)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])


def test_layers_that_cannot_be_vectorised_are_measured_one_set_at_a_time():
    torch.manual_seed(0)
    model = LastStep().eval()
    problem = LossProblem(model, torch.randn(6, 5, 3), torch.randint(0, 2, (6,)), nn.functional.cross_entropy)
    params = problem.params()
    batched = {n: torch.stack([w, 1.5 * w]) for n, w in params.items()}
    expected = [float(problem.loss_with({n: 1.0 * w for n, w in params.items()}))]
    expected.append(float(problem.loss_with({n: 1.5 * w for n, w in params.items()})))
    np.testing.assert_allclose(problem.losses(batched), expected, rtol=1e-6)
    with torch.no_grad():
        assert expected[0] == pytest.approx(float(nn.functional.cross_entropy(model(problem.x), problem.y)))


def test_a_jobs_landscape_runs_from_its_first_weights_and_its_path_ends_now(job):
    seen = []
    line, picked = job_landscape(job, points=5, plane="path", progress=seen.append)
    assert line.start_loss == pytest.approx(model_loss(job, job.snapshot(step=0), problem_of(job)), rel=1e-5)
    assert picked.path_steps[0] == 0 and picked.path_steps[-1] == job.progress()["step"]
    np.testing.assert_allclose(picked.path[-1], 0.0, atol=1e-5)
    assert seen[-1] == pytest.approx(1.0) and seen == sorted(seen)


def test_a_run_that_has_not_trained_has_no_first_weights_to_start_the_line_from():
    ds = dlcore.data.load("digits")
    saved = dlcore.checkpoint_bytes(dlcore.ModelSpec.from_dict(DIGITS_MLP), dlcore.build_model(DIGITS_MLP))
    loaded = dlcore.loaded_job(saved, ds)
    with pytest.raises(
        LandscapeError, match="the weights this run started from were not kept: train it a few"
    ):
        job_landscape(loaded, points=5)
