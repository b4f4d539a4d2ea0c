"""The Inspect page in AppTest: quick model, layer-by-layer views, drawing, history, confusion cells."""

from __future__ import annotations

import base64
import json
import sys
import types

import numpy as np
import pytest

from tests.ui.inspect import support as fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/inspect.py"


trained_job = fixtures.trained_job


def open_page(app, job=None):
    return fixtures.open_page(app, PAGE, job)


def charts(at) -> list:
    return at.get("plotly_chart")


def chart_titles(at) -> str:
    """Every chart's title and subplot titles, as one string to search."""
    texts = []
    for chart in charts(at):
        layout = json.loads(chart.proto.spec).get("layout", {})
        texts.append(layout.get("title", {}).get("text", ""))
        texts += [a.get("text", "") for a in layout.get("annotations", [])]
    return " | ".join(texts)


def test_without_a_model_the_page_offers_a_quick_one_that_trains_and_shows_its_layers(app):
    at = open_page(app)
    assert "no trained model" in at.info[0].value
    at.button(key="inspect_quick").click().run()
    assert not at.exception
    assert at.session_state["job"].status == "finished"
    assert "quick digits CNN" in at.markdown[0].value
    assert len(charts(at)) >= 6  # input, prediction, two feature-map grids, filters, two dense layers


def test_every_convolution_layer_gets_a_feature_map_grid_named_with_its_shape(app, trained_job):
    at = open_page(app, trained_job)
    titles = chart_titles(at)
    assert "conv2d1 — 16 channels × 8×8" in titles
    assert "conv2d2 — 32 channels × 8×8" in titles
    assert "conv2d1 filters — 16 × 3×3" in titles
    assert "linear2 — 10 units" in titles


def test_misclassified_lists_only_wrong_predictions(app, trained_job):
    at = open_page(app, trained_job)
    at.radio(key="inspect_source").set_value("misclassified").run()
    assert not at.exception
    if at.selectbox:  # a near-perfect model may have nothing to show, which the page says instead
        options = at.selectbox(key="inspect_wrong").options
        for option in options:
            true, predicted = option.split("true ")[1].split(", predicted ")
            assert true != predicted.split(" (")[0]
    else:
        assert "every test example right" in at.success[0].value


def test_a_drawn_digit_is_shrunk_to_the_dataset_size_and_predicted(app, trained_job, monkeypatch):
    drawing = np.zeros((224, 224, 4), dtype=np.uint8)
    drawing[40:190, 100:125, :3] = 255  # a bright vertical stroke: a "1"
    drawing[..., 3] = 255

    class Result:
        image_data = drawing

    # AppTest cannot draw, and the real component only imports inside a running app: stand in for it.
    fake = types.ModuleType("streamlit_drawable_canvas")
    fake.st_canvas = lambda **kwargs: Result()
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", fake)
    at = open_page(app, trained_job)
    at.radio(key="inspect_source").set_value("draw").run()
    assert not at.exception
    assert any(m.value == "Your drawing" for m in at.markdown)
    assert "conv2d1 — 16 channels × 8×8" in chart_titles(at)


def test_an_empty_canvas_asks_for_a_drawing(app, trained_job):
    at = open_page(app, trained_job)
    at.radio(key="inspect_source").set_value("draw").run()
    assert not at.exception
    assert any("Draw something" in i.value for i in at.info)


def test_history_opened_after_training_shows_the_whole_run_from_step_zero(app, trained_job):
    at = open_page(app, trained_job)  # the quick model trained before this page was first opened
    record = trained_job.parameter_history()
    assert record.steps()[0] == 0 and record.steps()[-1] == trained_job.progress()["step"]
    assert len(record) >= 3  # a curve from the untrained weights to the end, not one dot
    specs = [json.loads(chart.proto.spec) for chart in charts(at)]
    bands = next(s for s in specs if "weights over training" in s["layout"].get("title", {}).get("text", ""))
    steps = bands["data"][0]["x"]  # plotly sends numbers as typed base64 arrays
    steps = np.frombuffer(base64.b64decode(steps["bdata"]), dtype=steps["dtype"])
    assert steps[:2].tolist() == [0, 1]  # the chart starts at the untrained weights
    at.radio(key="inspect_history_kind").set_value("gradient").run()
    assert not at.exception
    titles = chart_titles(at)
    assert "conv2d1 gradients over training" in titles
    assert "Gradient norm per layer" in titles


def test_the_confusion_tab_opens_on_the_commonest_mistake(app, trained_job):
    import dlcore

    at = open_page(app, trained_job)
    predicted, _ = dlcore.predict(trained_job.snapshot(), trained_job.dataset.test[0])
    matrix = dlcore.confusion(predicted, trained_job.dataset.test[1], 10)
    true_class, predicted_class = dlcore.most_confused(matrix)
    assert at.selectbox(key="inspect_cell_true").value == str(true_class)
    assert at.selectbox(key="inspect_cell_predicted").value == str(predicted_class)


def test_choosing_a_confusion_cell_shows_its_examples(app, trained_job):
    at = open_page(app, trained_job)
    at.selectbox(key="inspect_cell_true").set_value("3").run()
    at.selectbox(key="inspect_cell_predicted").set_value("3").run()
    assert not at.exception
    assert any("test examples of **3** predicted as **3**" in m.value for m in at.markdown)
    assert "#" in chart_titles(at)  # the examples' captions: test index and confidence


def test_a_snapshot_is_kept_while_training_goes_on_until_a_new_one_is_asked_for(app):
    import time

    import dlcore
    from ui.inspect.subject import QUICK_DATASET, QUICK_MODEL
    from ui.state import SUBJECT

    spec, ds = dlcore.ModelSpec.from_dict(QUICK_MODEL), dlcore.data.load(QUICK_DATASET)
    job = dlcore.start_training(spec, ds, dlcore.TrainConfig(epochs=None, max_seconds=60))
    try:
        while job.progress()["step"] < 5:
            time.sleep(0.05)
        at = open_page(app, job)
        assert "training goes on" in at.markdown[0].value
        first = at.session_state[SUBJECT].step
        time.sleep(0.5)
        at.run()  # an ordinary rerun keeps the same snapshot: the charts do not shift under the mouse
        assert at.session_state[SUBJECT].step == first
        at.button(key="inspect_snapshot_button").click().run()
        assert not at.exception
        assert at.session_state[SUBJECT].step > first
    finally:
        job.stop()
        job.wait(30)


def test_choices_made_for_one_model_do_not_break_the_page_for_the_next(app, trained_job):
    import dlcore

    at = open_page(app, trained_job)
    at.number_input(key="inspect_index").set_value(359).run()  # the digits' last test example
    ds = dlcore.data.load("iris")  # 30 test examples and other class names
    spec = {"input_shape": [4], "layers": [{"type": "Linear", "out_features": 3}]}
    job = dlcore.start_training(dlcore.ModelSpec.from_dict(spec), ds, dlcore.TrainConfig(epochs=1))
    assert job.wait(60)
    at.session_state["job"] = job
    at.run()
    assert not at.exception
    assert at.number_input(key="inspect_index").value == 0
    assert at.selectbox(key="inspect_cell_true").options == list(ds.class_names)
