"""The Train page in AppTest: pre-flight advice, Start/Step/Pause/Stop, results, downloads, uploads."""

import json
import time

import pytest

import dlcore
import dlcore.data
from tests.ui.build.support import built, edit_built
from ui.train.state import TRAIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def button(at, label):
    return next(b for b in at.button if b.label == label)


def job_of(at):
    return at.session_state["job"]


def test_opens_on_digits_with_a_model_that_fits_and_start_enabled(train):
    at = train
    assert at.selectbox(key="data.name").value == "digits"
    assert not at.error
    assert not button(at, "Start").disabled
    assert button(at, "Pause").disabled and button(at, "Stop").disabled
    assert all(p.help for p in [at.selectbox(key="train.loss"), at.number_input(key="train.lr")])


def test_start_trains_this_tabs_own_job_and_shows_test_results(train):
    at = train
    at.number_input(key="train.epochs").set_value(3).run()
    button(at, "Start").click().run()
    assert not at.exception
    job = job_of(at)
    assert job.owner == at.session_state["session_owner"]
    assert job.wait(60)
    at.run()
    assert not at.exception
    assert job.status == "finished", job.error
    accuracy = next(m for m in at.metric if m.label == "Test accuracy")
    assert float(accuracy.value.rstrip("%")) > 50
    assert {b.label for b in at.download_button} >= {
        "Download trained model (.zip)",
        "Download metrics (CSV)",
    }
    assert len(at.dataframe) >= 1  # per-class precision / recall / F1


def wait_until(condition, timeout_s: float = 30.0) -> bool:
    for _ in range(int(timeout_s / 0.05)):
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def start_long_run(at, steps: int = 0):
    """Start a 500-epoch run from the page and wait until it has trained more than `steps` batches."""
    at.number_input(key="train.epochs").set_value(500).run()
    button(at, "Start").click().run()
    job = job_of(at)
    assert wait_until(lambda: job.progress()["step"] > steps)
    return job


def test_pause_then_step_trains_exactly_one_more_batch(train):
    at = train
    job = start_long_run(at)
    at.run()
    button(at, "Pause").click().run()
    assert wait_until(lambda: job.status == "paused")
    before = job.progress()["step"]
    at.run()
    button(at, "Step 1 batch").click().run()
    assert not at.exception
    assert wait_until(lambda: job.status == "paused" and job.progress()["step"] == before + 1)
    button(at, "Stop").click().run()
    assert job.wait(30) and job.status == "stopped"


def test_step_before_start_trains_exactly_one_batch_then_pauses(train):
    at = train
    button(at, "Step 1 batch").click().run()
    assert not at.exception
    job = job_of(at)
    # The step's metrics can show before the thread pauses: wait for both, then check it stays there.
    assert wait_until(lambda: job.progress()["step"] >= 1 and job.status == "paused", timeout_s=10)
    assert job.progress()["step"] == 1


def test_wrong_number_of_outputs_is_explained_before_start_and_fixed_in_one_click(train):
    at = train
    edit_built(at, lambda spec: spec["layers"][-1].update(out_features=3))
    at.run()
    assert "out_features" in at.error[0].value
    assert button(at, "Start").disabled
    fix = next(b for b in at.button if b.label.startswith("Set layer 4's out_features to 10"))
    fix.click().run()
    assert not at.exception
    assert built(at)["layers"][-1]["out_features"] == 10
    assert not at.error and not button(at, "Start").disabled


def test_a_dataset_with_another_input_shape_offers_to_adapt_the_model(train):
    at = train
    at.selectbox(key="data.name").set_value("spiral").run()
    assert not at.exception
    assert "input shape" in at.error[0].value.lower()
    next(b for b in at.button if b.label.startswith("Use input shape (2)")).click().run()
    assert built(at)["input_shape"] == [2]
    assert not at.exception


def test_a_loss_that_does_not_fit_the_task_is_explained_before_start(train):
    at = train
    at.selectbox(key="train.loss").set_value("nll").run()  # needs a LogSoftmax the model lacks
    assert not at.exception
    assert any("LogSoftmax" in e.value for e in at.error)
    assert button(at, "Start").disabled
    at.selectbox(key="train.loss").set_value("cross_entropy").run()
    assert not at.error and not button(at, "Start").disabled


def test_a_saved_model_loads_safely_and_a_broken_file_changes_nothing(train):
    at = train
    before = dict(built(at))
    at.file_uploader(key="checkpoint_upload").upload(
        "junk.zip", b"PK\x03\x04 not a zip", "application/zip"
    ).run()
    assert not at.exception
    assert any("junk.zip was not loaded" in e.value for e in at.error)
    assert built(at) == before

    spec = dlcore.presets()["perceptron"]
    data = dlcore.checkpoint_bytes(spec, dlcore.build_model(spec))
    at.file_uploader(key="checkpoint_upload").upload("p.zip", data, "application/zip").run()
    assert not at.exception
    assert dlcore.ModelSpec.from_dict(built(at)) == spec
    assert at.toggle[0].value is True  # Start will continue from the uploaded weights


def test_an_uploaded_model_stays_this_tabs_model_on_every_page_and_start_continues_it(train):
    import torch

    at = train
    spec = dlcore.ModelSpec.from_dict({**dlcore.presets()["digits_mlp"].to_dict(), "name": "my digits model"})
    weights = dlcore.build_model(spec)
    with torch.no_grad():
        for p in weights.parameters():
            p.fill_(0.01)
    data = dlcore.checkpoint_bytes(spec, weights, meta={"step": 40, "epoch": 2})
    at.file_uploader(key="checkpoint_upload").upload("mine.zip", data, "application/zip").run()
    assert not at.exception
    loaded = job_of(at)
    assert not loaded.alive and loaded.progress()["step"] == 40  # a model to look at; nothing trains

    for page in ("pages/build.py", "pages/train.py"):
        at.switch_page(page).run()
        assert not at.exception
    assert dlcore.ModelSpec.from_dict(built(at)) == spec
    assert job_of(at) is loaded
    assert any("mine.zip" in s.value for s in at.success)
    assert at.toggle[0].value is True

    at.switch_page("pages/inspect.py").run()
    assert not at.exception
    assert not any(b.label == "Train a quick model" for b in at.button)
    assert any("my digits model" in m.value for m in at.markdown)

    at.switch_page("pages/train.py").run()
    button(at, "Step 1 batch").click().run()
    assert not at.exception
    job = job_of(at)
    assert job is not loaded
    assert wait_until(lambda: job.progress()["step"] >= 41 and job.status == "paused", timeout_s=20)
    assert job.progress()["step"] == 41  # counted on from the uploaded model's step ...
    first = next(iter(job.snapshot().parameters()))
    assert (first - 0.01).abs().max() < 0.01  # ... and from its weights, moved by one small step


def test_an_uploaded_file_is_read_once_not_at_every_rerun(train, monkeypatch):
    at = train
    reads = []
    load = dlcore.load_checkpoint
    monkeypatch.setattr(dlcore, "load_checkpoint", lambda data: reads.append(1) or load(data))
    spec = dlcore.presets()["digits_mlp"]
    data = dlcore.checkpoint_bytes(spec, dlcore.build_model(spec))
    at.file_uploader(key="checkpoint_upload").upload("m.zip", data, "application/zip").run()
    at.number_input(key="train.epochs").set_value(3).run()  # unrelated widgets: full reruns
    at.number_input(key="train.epochs").set_value(4).run()
    assert not at.exception
    assert len(reads) == 1
    at.file_uploader(key="checkpoint_upload").upload("junk.zip", b"PK\x03\x04 junk", "application/zip").run()
    at.number_input(key="train.epochs").set_value(5).run()
    assert len(reads) == 2  # a refused file is not read again either ...
    assert any("junk.zip was not loaded" in e.value for e in at.error)  # ... and its message stays


def load_preset(at, key):
    at.switch_page("pages/build.py").run()
    at.pills(key="preset_choice").set_value(key).run()
    at.switch_page("pages/train.py").run()
    assert not at.exception


def chart_titles(at) -> list[str]:
    charts = at.main.get("plotly_chart")
    return [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in charts]


def train_to_the_end(at):
    button(at, "Start").click().run()
    assert not at.exception
    assert job_of(at).wait(120)
    at.run()
    assert not at.exception and job_of(at).status == "finished", job_of(at).error


def test_a_loss_that_does_not_suit_the_task_is_fixed_here_in_one_click(train):
    at = train
    load_preset(at, "gru_sequence")
    at.selectbox(key="train.loss").set_value("cross_entropy").run()  # as after a classification run
    assert "does not suit a regression task" in at.error[0].value
    assert not at.get("page_link")  # the fix is on this page, not on Build
    button(at, "Use the mse loss").click().run()
    assert not at.exception
    assert at.selectbox(key="train.loss").value == "mse"
    assert not at.error and not button(at, "Start").disabled


def test_results_name_the_run_they_came_from_and_say_when_the_model_has_changed(train):
    at = train
    load_preset(at, "perceptron")
    train_to_the_end(at)
    assert at.subheader[-1].value == "Test results of Perceptron on gaussian"
    assert next(m for m in at.metric if m.label == "Test accuracy").value == "100.0%"  # seed 0 scored 0 %
    assert not any(c.value.startswith("From the last run") for c in at.caption)
    load_preset(at, "autoencoder")
    assert at.subheader[-1].value == "Test results of Perceptron on gaussian"
    assert any(c.value.startswith("From the last run") for c in at.caption)


@pytest.mark.parametrize(
    "key, title",
    [("gru_sequence", "Predictions against targets"), ("autoencoder", "Reconstructions (test set)")],
)
def test_regression_and_autoencoder_results_are_drawn(train, key, title):
    at = train
    load_preset(at, key)
    at.number_input(key="train.epochs").set_value(2).run()
    train_to_the_end(at)
    assert any(t.startswith(title) for t in chart_titles(at))
    assert next(m for m in at.metric if m.label == "Test R²")


def test_an_out_of_range_learning_rate_is_refused_on_its_field_and_blocks_start(train):
    at = train
    at.number_input(key="train.lr").set_value(100.0).run()
    assert not at.exception
    assert at.number_input(key="train.lr").value == 100.0  # what the student typed stays in the box
    assert any("'lr' must be at most 10" in e.value for e in at.error)
    assert button(at, "Start").disabled  # no run with another learning rate than the one shown


def progress_text(at) -> str:
    return at.get("progress")[0].proto.text


def test_a_run_that_ends_while_the_page_draws_leaves_the_buttons_ready_for_a_new_run(train, monkeypatch):
    from ui.train import preflight

    at = train
    job = start_long_run(at)
    # Stop ends the run within a step (and its test scores take ms): here the run always ends after the
    # page read its status for the buttons and before it reaches the live part.
    check = preflight.preflight

    def run_ends_meanwhile(*args):
        dlcore.Job.stop(job)
        assert job.wait(30)
        return check(*args)

    monkeypatch.setattr(job, "stop", lambda: None)
    monkeypatch.setattr(preflight, "preflight", run_ends_meanwhile)
    button(at, "Stop").click().run()
    assert not at.exception
    assert job.status == "stopped"
    assert not button(at, "Start").disabled
    assert button(at, "Pause").disabled and button(at, "Stop").disabled


def test_a_paused_run_shows_where_it_is_without_a_speed_or_an_eta(train):
    at = train
    job = start_long_run(at)
    button(at, "Pause").click().run()
    assert wait_until(lambda: job.status == "paused")
    at.run()
    assert progress_text(at).endswith("paused")
    assert "samples/s" not in progress_text(at) and "ETA" not in progress_text(at)


def test_after_reset_start_sets_the_fresh_run_going(train):
    at = train
    job = start_long_run(at, steps=5)
    at.run()
    button(at, "Reset").click().run()
    assert wait_until(lambda: job.status == "paused" and job.progress()["step"] == 0)
    at.run()
    assert not button(at, "Start").disabled
    button(at, "Start").click().run()
    assert not at.exception
    assert job_of(at) is job  # the reset run goes on, no new one
    assert wait_until(lambda: job.progress()["step"] > 0)
    job.stop()
    assert job.wait(30)


def test_a_loss_kept_from_a_regression_run_is_pointed_out_on_a_classifier_with_a_one_click_fix(train):
    at = train
    assert not any(i.value.startswith("mse treats") for i in at.info)  # cross_entropy: nothing to say
    at.selectbox(key="train.loss").set_value("mse").run()  # as after training the GRU forecaster
    assert not at.exception
    advice = [i.value for i in at.info if "treats the classes as numbers" in i.value]
    assert advice and "cross_entropy" in advice[0]
    assert not button(at, "Start").disabled  # it trains: advice, not a problem
    button(at, "Use the cross_entropy loss").click().run()
    assert not at.exception
    assert at.session_state[TRAIN.key].settings["loss"] == "cross_entropy"
    assert not any("treats the classes as numbers" in i.value for i in at.info)


def test_gradient_clipping_is_a_setting_with_its_help(train):
    at = train
    field = at.number_input(key="train.clip_grad_norm")
    assert field.value is None and "clipping" in field.help
    field.set_value(0.5).run()
    assert not at.exception
    assert at.session_state[TRAIN.key].settings["clip_grad_norm"] == 0.5


def test_a_run_can_start_from_the_weights_of_the_one_before_and_says_which_layers_took_them(train):
    at = train
    at.number_input(key="train.epochs").set_value(1).run()
    button(at, "Start").click().run()
    first = job_of(at)
    assert first.wait(60)
    at.run()
    keep = button(at, "Start the next runs from these weights")
    keep.click().run()
    switch = next(t for t in at.toggle if t.label.startswith("Start from the weights of"))
    assert switch.value is True
    edit_built(at, lambda spec: spec["layers"][-1].update(name="new_head"))  # a new output layer
    at.run()
    button(at, "Start").click().run()
    second = job_of(at)
    assert second is not first and second.wait(60)
    at.run()
    assert not at.exception
    assert "new_head" in dict(second.transfer.fresh)
    assert second.transfer.loaded  # the hidden layer took the first run's weights
    assert any(second.transfer.sentence in c.value for c in at.caption)
    # switched off, Start trains from random weights again
    next(t for t in at.toggle if t.label.startswith("Start from the weights of")).set_value(False).run()
    button(at, "Start").click().run()
    assert job_of(at).transfer is None


def test_an_uploaded_models_layers_that_still_fit_start_a_changed_architecture(train):
    at = train
    spec = dlcore.presets()["digits_mlp"]
    data = dlcore.checkpoint_bytes(spec, dlcore.build_model(spec))
    at.file_uploader(key="checkpoint_upload").upload("pre.zip", data, "application/zip").run()
    edit_built(at, lambda s: s["layers"][-1].update(name="new_head"))
    at.run()
    button(at, "Start from its layers that still fit").click().run()
    assert next(t for t in at.toggle if t.label == "Start from the weights of pre.zip").value is True
    button(at, "Start").click().run()
    assert not at.exception
    assert dict(job_of(at).transfer.fresh).keys() == {"new_head"}


def test_a_model_with_every_layer_frozen_is_told_what_to_switch_on_not_shown_a_traceback(train):
    at = train
    edit_built(at, lambda spec: [layer.update(trainable=False) for layer in spec["layers"]])
    at.run()
    button(at, "Start").click().run()
    assert not at.exception
    assert any("switch 'trainable' on for at least one layer" in e.value for e in at.error)


def test_a_run_on_a_ray_cluster_is_shown_and_commanded_as_a_local_one(train, on_ray):
    at = train
    at.number_input(key="train.epochs").set_value(500).run()
    button(at, "Start").click().run()
    job = job_of(at)
    assert isinstance(job, dlcore.RayJob)
    assert wait_until(lambda: len(job.metrics()) > 0, timeout_s=120)
    button(at, "Pause").click().run()
    assert wait_until(lambda: job.status == "paused")
    at.run()
    assert not at.exception
    assert progress_text(at).endswith("paused")
    button(at, "Stop").click().run()
    assert job.wait(60)
    at.run()
    assert not at.exception
    assert job.status == "stopped"
    accuracy = next(m for m in at.metric if m.label == "Test accuracy")
    assert float(accuracy.value.rstrip("%")) > 0
