"""The Explain page in AppTest: attributions side by side, the sanity check, the cheating-model lesson."""

from __future__ import annotations

import json

import pytest

from tests.ui.inspect import support as fixtures

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAGE = "pages/explain.py"


trained_job = fixtures.trained_job


def open_page(app, job=None):
    return fixtures.open_page(app, PAGE, job)


def subplot_titles(at, key: str) -> list[str]:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id and key in c.proto.id)
    return [a["text"] for a in json.loads(chart.proto.spec)["layout"].get("annotations", [])]


def test_without_a_model_the_page_offers_a_quick_one(app):
    at = open_page(app)
    assert at.button(key="explain_quick").label == "Train a quick model"


def test_chosen_methods_are_drawn_side_by_side_with_the_input(app, trained_job):
    at = open_page(app, trained_job)
    titles = subplot_titles(at, "explain_grid")
    assert titles[0] == "input"
    assert [t.split("<br>")[0] for t in titles[1:]] == [
        "Saliency",
        "Integrated Gradients",
        "SmoothGrad",
        "Grad-CAM",
    ]
    at.button_group(key="explain_methods").set_value(["occlusion", "deeplift", "guided_backprop"]).run()
    assert not at.exception and not at.warning
    assert [t.split("<br>")[0] for t in subplot_titles(at, "explain_grid")[1:]] == [
        "Occlusion",
        "DeepLift",
        "Guided Backprop",
    ]


def test_hirescam_gets_a_layer_choice_of_its_own(app, trained_job):
    at = open_page(app, trained_job)
    assert at.selectbox(key="explain_layer").label == "Grad-CAM layer"
    at.button_group(key="explain_methods").set_value(["hirescam"]).run()
    layer = at.selectbox(key="explain_layer")
    assert layer.label == "HiResCAM layer" and layer.value == layer.options[-1]
    layer.set_value(layer.options[0]).run()
    assert not at.exception and not at.warning
    assert [t.split("<br>")[0] for t in subplot_titles(at, "explain_grid")[1:]] == ["HiResCAM"]


def test_a_chosen_class_is_explained_instead_of_the_predicted_one(app, trained_job):
    at = open_page(app, trained_job)
    at.selectbox(key="explain_class").set_value("8").run()
    assert not at.exception
    chart = next(c for c in at.get("plotly_chart") if "explain_grid" in c.proto.id)
    assert json.loads(chart.proto.spec)["layout"]["title"]["text"] == "Evidence for class 8"


def test_the_sanity_check_shows_how_far_the_map_moves(app, trained_job):
    at = open_page(app, trained_job)
    at.button(key="explain_sanity_run").click().run()
    assert not at.exception
    titles = subplot_titles(at, "explain_sanity_fig")
    assert titles[1].startswith("trained model")
    assert any(t.startswith("random from conv2d1 up") for t in titles)
    assert any("similarity to the trained model" in m.value for m in at.markdown)


def test_the_cheating_lesson_trains_two_models_and_compares_them(app, trained_job):
    at = open_page(app, trained_job)
    at.button(key="explain_lesson_train").click().run()
    assert not at.exception
    accuracy = {m.label: float(m.value.rstrip("%")) / 100 for m in at.metric}
    # The cheater read the corner mark, which is random in the test images: it falls far behind.
    assert accuracy["Cheater: test accuracy"] + 0.2 < accuracy["Honest: test accuracy"]
    titles = [t.split("<br>")[0] for t in subplot_titles(at, "explain_lesson_cheater")]
    assert titles == ["input", "Saliency", "Integrated Gradients", "Grad-CAM", "HiResCAM"]
    layer = at.selectbox(key="explain_lesson_layer")
    assert layer.options == ["conv2d1", "conv2d2"] and layer.value == "conv2d2"
    before = subplot_titles(at, "explain_lesson_cheater")
    layer.set_value("conv2d1").run()
    assert not at.exception
    assert subplot_titles(at, "explain_lesson_cheater")[3:] != before[3:]  # the layer maps were redrawn


def test_tabular_models_get_one_bar_per_named_feature_and_a_sanity_chart(app):
    import dlcore

    ds = dlcore.data.load("iris")
    spec = {"input_shape": [4], "layers": [{"type": "Linear", "out_features": 16}, {"type": "ReLU"}]}
    spec["layers"].append({"type": "Linear", "out_features": 3})
    job = dlcore.start_training(dlcore.ModelSpec.from_dict(spec), ds, dlcore.TrainConfig(epochs=3))
    assert job.wait(60)
    at = open_page(app, job)
    chart = next(c for c in at.get("plotly_chart") if "explain_grid" in c.proto.id)
    bars = json.loads(chart.proto.spec)["data"]
    assert [b["name"] for b in bars] == [
        "Saliency",
        "Integrated Gradients",
        "SmoothGrad",
    ]  # no Grad-CAM: no conv
    assert bars[0]["x"] == list(ds.feature_names)
    at.button(key="explain_sanity_run").click().run()
    assert not at.exception
    assert any("explain_sanity_fig" in c.proto.id for c in at.get("plotly_chart"))


def test_a_regression_model_gets_a_reason_and_the_offer_of_a_classifier(app):
    import dlcore

    ds = dlcore.data.load("sine", num_sequences=200)
    spec = {
        "input_shape": list(ds.input_shape),
        "layers": [{"type": "Flatten"}, {"type": "Linear", "out_features": 1}],
    }
    job = dlcore.start_training(
        dlcore.ModelSpec.from_dict(spec), ds, dlcore.TrainConfig(loss="mse", epochs=1)
    )
    assert job.wait(60), job.error
    at = open_page(app, job)
    assert "your model does regression on sine" in at.info[0].value
    assert "takes the place of your current model" in at.info[0].value
    assert at.button(key="explain_quick")
