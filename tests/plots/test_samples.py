"""Figures of generative training: per-role losses on one chart, generated points over data, image grids."""

import numpy as np
import pandas as pd
import pytest
import torch

import dlcore.data
from dlcore.plots import samples
from dlcore.plots.style import MAX_POINTS


def gan_metrics(steps: int = 1200) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "step": np.arange(1, steps + 1),
            "train_loss": rng.random(steps),
            "train_generator_loss": 1 + rng.random(steps),
            "train_discriminator_loss": rng.random(steps),
            "epoch": np.repeat(np.arange(steps // 100), 100)[:steps],
        }
    )


def test_logged_losses_are_the_per_step_columns_besides_the_headline_loss_not_epoch_scores():
    metrics = gan_metrics()
    # the scores of the epoch that ended at step 100 reach every later row (as job.metrics() merges them)
    metrics["train_accuracy"] = np.where(metrics["step"] >= 100, 0.9, np.nan)
    epochs = pd.DataFrame({"step": [100, 200], "train_accuracy": [0.9, 0.95]})
    assert samples.logged_losses(metrics, epochs) == ["generator_loss", "discriminator_loss"]
    assert "accuracy" in samples.logged_losses(metrics)  # (without the epochs nothing tells them apart)
    supervised = pd.DataFrame({"step": [1, 2], "train_loss": [0.5, 0.4]})
    assert samples.logged_losses(supervised) == [] and samples.logged_losses(None) == []
    not_yet = gan_metrics().assign(train_kl=np.nan)  # logged, but no value yet: no line for it
    assert "kl" not in samples.logged_losses(not_yet)


def test_role_losses_draw_every_role_on_one_chart_with_a_running_mean_and_few_points():
    metrics = gan_metrics()
    fig = samples.role_losses(metrics, ["generator_loss", "discriminator_loss"])
    named = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in named] == ["generator loss", "discriminator loss"]
    assert all(len(t.x) <= MAX_POINTS for t in fig.data)
    mean = named[0].y[-1]
    assert mean == pytest.approx(metrics["train_generator_loss"].tail(samples.SMOOTHING).mean())
    assert not samples.role_losses(None, ["generator_loss"]).data  # before Start: an empty chart


def test_sample_points_draw_generated_over_real_on_the_real_datas_fixed_equal_axes():
    real = np.random.default_rng(0).normal(size=(2000, 2))
    far = np.full((700, 2), 50.0)  # a generator gone wild must not rescale the picture
    fig = samples.sample_points(real, far)
    assert [t.name for t in fig.data] == ["real data", "generated"]
    assert all(len(t.x) <= MAX_POINTS for t in fig.data)
    assert fig.layout.xaxis.range[1] < 10 and fig.layout.yaxis.scaleanchor == "x"


def test_mosaic_tiles_images_in_rows_with_blank_gaps_and_keeps_them_upright():
    images = torch.zeros(3, 1, 2, 2)
    images[1, 0, 0, 0] = 1.0  # top-left pixel of the second image
    picture = samples.mosaic(images, columns=2)
    assert picture.shape == (5, 5, 1)
    assert picture[0, 3, 0] == 1.0 and np.isnan(picture[2, 0, 0]) and np.isnan(picture[3, 3, 0])
    fig = samples.sample_images(images)
    assert fig.data[0].z[-1][3] == 1.0  # heatmap rows count from the bottom: the top row is last


def test_sample_figure_draws_each_dataset_as_its_examples_look():
    ring, digits, sine = (dlcore.data.load(n) for n in ("ring", "digits", "sine"))
    points = samples.sample_figure(ring, ring.train[0][:100])
    np.testing.assert_allclose(points.data[-1].x[:3], ring.denormalize(ring.train[0][:3])[:, 0], rtol=1e-5)
    grid = samples.sample_figure(digits, digits.train[0][:40])
    assert grid.data[0].type == "heatmap" and np.nanmax(grid.data[0].z) <= 1.0
    assert len(grid.data[0].z) == 4 * 9 - 1  # 32 images, 8 to a row, 8 pixels high and a gap
    assert samples.sample_figure(sine, sine.train[0][:10]) is None


def test_written_answers_show_each_question_its_answer_the_right_one_and_whether_they_match():
    ds = dlcore.data.load("reverse")
    questions, right = ds.test[0][:3], ds.test[1][:3]
    answers = right.clone()
    answers[1, 0] = (answers[1, 0] + 1) % ds.vocab_size
    table = samples.written_answers(ds, questions, answers, right).data[0]
    question, written, correct, mark = table.cells.values
    assert question[0] == dlcore.data.decode(questions[0], ds.class_names)
    assert written[0] == correct[0] and written[1] != correct[1]
    assert list(mark) == ["✓", "✗", "✓"]
