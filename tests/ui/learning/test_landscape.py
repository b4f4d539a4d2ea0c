"""The loss landscape tab in AppTest: nothing to measure without a model, a measured landscape's charts,
and a model it cannot measure explained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dlcore
from dlcore.jobs import JobPool
from ui.state import JOB, LANDSCAPE

APP = str(Path(__file__).with_name("landscape_app.py"))


@pytest.fixture(scope="module")
def trained_job():
    preset = dlcore.preset_catalogue()["digits_mlp"]
    pool = JobPool(heartbeat_grace_s=600)
    job = dlcore.start_training(
        preset.spec,
        dlcore.data.load("digits"),
        dlcore.TrainConfig(**{**preset.settings, "epochs": 2}),
        pool=pool,
    )
    assert job.wait(60) and job.status == "finished"
    return job


def open_tab(job=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if job is not None:
        at.session_state[JOB] = job
    at.run()
    assert not at.exception
    return at


def chart(at, key: str) -> dict:
    return json.loads(next(c for c in at.get("plotly_chart") if key in c.proto.id).proto.spec)


def test_without_a_model_the_tab_says_where_to_train_one():
    at = open_tab()
    assert "There is no model yet. Train one on the **Train** page" in at.info[0].value
    assert not at.button


def test_measuring_draws_the_line_the_contours_and_the_surface_of_the_model_now(trained_job):
    at = open_tab(trained_job)
    assert "Press **Measure the landscape**: 25 × 25 = 625 points" in at.info[0].value
    at.slider(key="landscape_points").set_value(7)
    at.button(key="landscape_measure").click().run()
    assert not at.exception
    measured = at.session_state[LANDSCAPE]
    assert measured.job_id == trained_job.id and measured.slice_.losses.shape == (7, 7)
    line = chart(at, "landscape_line")
    assert [trace["text"][0] for trace in line["data"][1:]] == [
        f"start: {measured.line.start_loss:.3g}",
        f"now: {measured.line.end_loss:.3g}",
    ]
    assert chart(at, "landscape_contours")["data"][0]["type"] == "contour"
    assert chart(at, "landscape_surface")["data"][0]["type"] == "surface"
    step = trained_job.progress()["step"]
    assert f"at step {step}: 7 × 7 points on two random directions." in at.markdown[0].value


def test_the_training_path_plane_draws_the_path(trained_job):
    at = open_tab(trained_job)
    at.slider(key="landscape_points").set_value(5)
    at.button_group(key="landscape_plane").set_value("path")
    at.button(key="landscape_measure").click().run()
    assert not at.exception
    names = [trace.get("name") for trace in chart(at, "landscape_contours")["data"]]
    assert "training path" in names


class GanRun:
    """What the tab reads of a GAN's run: its models have no single loss to map."""

    id, status, alive, recipe, objective = 999, "finished", False, "gan", None


def test_a_model_without_a_single_loss_gets_a_message_not_a_traceback():
    at = open_tab(GanRun())
    at.button(key="landscape_measure").click().run()
    assert not at.exception
    assert "the loss landscape needs a model trained to fit targets" in at.error[0].value
    assert "the gan recipe" in at.error[0].value
