"""The Adversarial page in AppTest: fooling one input, the accuracy curve, adversarial training."""

from __future__ import annotations

import time

import pytest

from tests.ui.inspect import support as fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/adversarial.py"


trained_job = fixtures.trained_job


def open_page(app, job=None):
    return fixtures.open_page(app, PAGE, job)


def test_without_a_model_the_page_offers_a_quick_one(app):
    at = open_page(app)
    assert at.button(key="adversarial_quick").label == "Train a quick model"


def test_epsilon_zero_changes_nothing_and_a_large_one_fools_the_model(app, trained_job):
    at = open_page(app, trained_job)
    at.slider(key="adversarial_eps").set_value(0.0).run()
    assert not at.exception and not at.error
    at.slider(key="adversarial_eps").set_value(0.4).run()
    at.radio(key="adversarial_attack").set_value("pgd").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Fooled")


def test_adversarial_training_runs_as_a_job_and_flattens_the_accuracy_curve(app, trained_job):
    at = open_page(app, trained_job)
    at.button(key="adversarial_measure").click().run()
    rows = at.session_state["adversarial_curves"]["rows"]
    assert [r["epsilon"] for r in rows] == sorted(r["epsilon"] for r in rows)
    at.number_input(key="adversarial_train_epochs").set_value(15).run()
    at.button(key="adversarial-start").click().run()
    assert not at.exception
    robust = at.session_state["adversarial_robust"]["job"]
    assert robust is not trained_job and robust.config.recipe == "adversarial"
    assert at.session_state["job"] is trained_job  # the model being attacked is still the tab's model
    assert robust.wait(120) and robust.status == "finished", robust.error
    at.run()
    epochs = robust.epoch_metrics()
    assert epochs["val_robust_accuracy"].iloc[-1] > epochs["val_robust_accuracy"].iloc[0]  # watched live
    at.button(key="adversarial_measure").click().run()
    assert not at.exception
    rows = at.session_state["adversarial_curves"]["rows"]
    at_eps = {(r["label"], r["epsilon"]): r["accuracy"] for r in rows}
    plain, robust = "your model, FGSM", "adversarially trained copy, FGSM"
    assert at_eps[(robust, 0.1)] > at_eps[(plain, 0.1)] + 0.1
    assert at_eps[(robust, 0.0)] > 0.9  # still accurate on clean images
    # The text under the curves says what was measured, not what one hopes for.
    said = " ".join(m.value for m in at.markdown)
    measured = f"your model **{at_eps[(plain, 0.1)]:.0%}**, the trained copy **{at_eps[(robust, 0.1)]:.0%}**"
    tested = min(500, len(trained_job.dataset.test[1]))
    assert f"Measured with FGSM on {tested} test examples." in said and measured in said
    assert "falls much more slowly" not in said


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_robust_copy_pauses_steps_and_stops_from_the_page(app, trained_job):
    at = open_page(app, trained_job)
    at.button(key="adversarial-start").click().run()
    robust = at.session_state["adversarial_robust"]["job"]
    at.button(key="adversarial-pause").click().run()
    assert not at.exception
    wait_until(lambda: robust.status == "paused")
    at.run()
    step = robust.progress()["step"]
    at.button(key="adversarial-step_batch").click().run()
    wait_until(lambda: robust.progress()["step"] == step + 1 and robust.status == "paused")
    at.run()
    assert at.button(key="adversarial-resume").label == "Resume"
    at.button(key="adversarial-stop").click().run()
    assert not at.exception
    assert robust.wait(10) and robust.status == "stopped"
    at.run()
    assert not at.button(key="adversarial-start").disabled  # a new copy can be trained


def test_an_attack_that_does_not_fool_suggests_only_a_stronger_one(app, trained_job):
    at = open_page(app, trained_job)
    at.slider(key="adversarial_eps").set_value(0.01).run()
    assert at.success and "Try a larger ε, or PGD." in at.success[0].value  # FGSM: PGD is stronger
    at.radio(key="adversarial_attack").set_value("pgd").run()
    assert not at.exception
    assert at.success and at.success[0].value.endswith("Try a larger ε.")  # PGD is the strongest


def test_a_drawn_digit_can_be_attacked_away_from_the_models_own_answer(app, trained_job, monkeypatch):
    import sys
    import types

    import numpy as np

    drawing = np.zeros((224, 224, 4), dtype=np.uint8)
    drawing[40:190, 100:125, :3] = 255  # a "1"
    drawing[..., 3] = 255
    fake = types.ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda **kwargs: types.SimpleNamespace(image_data=drawing)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    at = open_page(app, trained_job)
    at.radio(key="adversarial_source").set_value("draw").run()
    at.slider(key="adversarial_eps").set_value(0.5).run()
    at.radio(key="adversarial_attack").set_value("pgd").run()
    assert not at.exception
    assert at.error and at.error[0].value.startswith("Fooled")


def test_the_robust_copy_lives_on_while_the_student_reads_another_page(app, trained_job):
    at = open_page(app, trained_job)  # the tab's own run has finished: only the copy is alive
    at.number_input(key="adversarial_train_epochs").set_value(500).run()
    at.button(key="adversarial-start").click().run()
    robust = at.session_state["adversarial_robust"]["job"]
    at.button(key="adversarial-pause").click().run()
    wait_until(lambda: robust.status == "paused")
    before = robust.last_heartbeat
    time.sleep(0.05)
    at.switch_page("pages/build.py").run()
    assert not at.exception
    assert robust.last_heartbeat > before  # the sidebar's poll keeps every job of the tab alive
    robust.stop()
    assert robust.wait(10)
