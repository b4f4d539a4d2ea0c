"""The Build page in AppTest: drops, reorders, removal, parameter forms, errors on the culprit, presets."""

import json

import pytest
from streamlit_dnd import DropEvent

import dlcore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def layers(at) -> list[dict]:
    return at.session_state["model"]["layers"]


def card_texts(at) -> list[str]:
    return [m.value for m in at.markdown if " · " in m.value]


def start(app):
    at = app.run()
    assert not at.exception
    return at


def test_opens_with_a_model_that_builds_and_counts_its_parameters(app):
    at = start(app)
    spec = dlcore.ModelSpec.from_dict(at.session_state["model"])
    dlcore.validate(spec)
    total = int(dlcore.summarize(spec).query("depth == 0")["params"].sum())
    assert at.metric[0].value == f"{total:,}"
    assert len(card_texts(at)) == len(spec.layers)
    assert not at.error


def test_dropping_a_palette_card_inserts_that_layer_where_it_was_dropped(app, fake_drops):
    at = start(app)
    before = [layer["type"] for layer in layers(at)]
    fake_drops.append(DropEvent("palette_convolution", "model_layers", "palette-Conv2d", 3, 1))
    at.run()
    assert not at.exception
    assert [layer["type"] for layer in layers(at)] == before[:1] + ["Conv2d"] + before[1:]
    assert "Conv2d" in card_texts(at)[1]
    assert at.subheader[-1].value.startswith("Layer 2: Conv2d") or any(
        s.value == "Layer 2: Conv2d" for s in at.subheader
    )  # the new layer is selected for editing


def test_dragging_a_model_card_reorders_the_layers(app, fake_drops):
    at = start(app)
    before = [layer["type"] for layer in layers(at)]
    fake_drops.append(DropEvent("model_layers", "model_layers", "card-x", 0, 2))  # first -> after the second
    at.run()
    assert not at.exception
    assert [layer["type"] for layer in layers(at)] == [before[1], before[0], *before[2:]]


def test_remove_button_deletes_exactly_that_layer(app):
    at = start(app)
    before = [layer["type"] for layer in layers(at)]
    ids = list(at.session_state["model_layer_ids"])
    at.button(key=f"remove-{ids[1]}").click().run()
    assert not at.exception
    assert [layer["type"] for layer in layers(at)] == before[:1] + before[2:]


def test_editing_a_parameter_changes_the_spec_and_the_parameter_count(app):
    at = start(app)
    index = next(i for i, layer in enumerate(layers(at)) if layer["type"] == "Linear")
    layer_id = at.session_state["model_layer_ids"][index]
    at.button(key=f"edit-{layer_id}").click().run()
    before = at.metric[0].value
    field = at.number_input(key=f"{layer_id}.out_features")
    assert field.help  # the catalogue's help is the tooltip
    field.set_value(field.value + 7).run()
    assert not at.exception
    assert layers(at)[index]["out_features"] == field.value
    assert at.metric[0].value != before


def test_a_layer_that_does_not_fit_is_named_on_its_card_and_the_rest_is_kept(app, fake_drops):
    at = start(app)
    before = list(layers(at))
    # an LSTM needs a sequence; dropped after the last layer it gets a flat vector
    fake_drops.append(DropEvent("palette_recurrent", "model_layers", "palette-LSTM", 0, len(before)))
    at.run()
    assert not at.exception
    assert layers(at)[: len(before)] == before
    assert len(at.error) == 1
    assert f"Layer {len(before) + 1} (LSTM)" in at.error[0].value
    assert at.metric[0].value != "0"  # the layers before it are still summarised


def test_a_bad_value_in_a_form_is_explained_beside_it_and_the_last_good_value_kept(app):
    at = start(app)
    at.text_input(key="model.input_shape").set_value("1, eight, 8").run()
    assert not at.exception
    assert "whole number" in at.error[0].value
    assert at.session_state["model"]["input_shape"] != ["1", "eight", "8"]
    dlcore.validate(dlcore.ModelSpec.from_dict(at.session_state["model"]))


def test_a_preset_loads_in_one_click(app):
    at = start(app)
    at.pills(key="preset_choice").set_value("lenet5").run()
    assert not at.exception
    assert at.session_state["model"] == dlcore.presets()["lenet5"].to_dict()
    assert at.pills(key="preset_choice").value is None


def test_pytorch_code_and_the_spec_json_are_offered_for_download(app):
    at = start(app)
    code = at.code[0].value
    assert "class" in code and "nn." in code
    spec_download = next(b for b in at.download_button if "spec" in b.label.lower())
    assert spec_download is not None


def test_bad_json_upload_is_explained_and_the_model_kept(app):
    at = start(app)
    before = json.loads(json.dumps(at.session_state["model"]))
    at.file_uploader(key="spec_upload").upload("broken.json", b"{not json", "application/json").run()
    assert not at.exception
    assert "broken.json was not loaded" in at.error[0].value
    assert at.session_state["model"] == before


def test_a_valid_json_upload_replaces_the_model(app):
    at = start(app)
    spec = dlcore.presets()["perceptron"]
    at.file_uploader(key="spec_upload").upload("p.json", spec.to_json().encode(), "application/json").run()
    assert not at.exception
    assert at.session_state["model"] == spec.to_dict()


def test_clear_empties_the_model_but_keeps_its_input_shape(app):
    at = start(app)
    shape = at.session_state["model"]["input_shape"]
    next(b for b in at.button if b.label == "Clear").click().run()
    assert not at.exception
    assert layers(at) == [] and at.session_state["model"]["input_shape"] == shape
    assert at.metric[0].value == "0"


def test_an_out_of_range_number_stays_in_its_box_refused_beside_it_and_the_layer_keeps_its_value(app):
    at = start(app)
    index = next(i for i, layer in enumerate(layers(at)) if layer["type"] == "Linear")
    layer_id = at.session_state["model_layer_ids"][index]
    at.button(key=f"edit-{layer_id}").click().run()
    kept = layers(at)[index]["out_features"]
    at.number_input(key=f"{layer_id}.out_features").set_value(0).run()
    assert not at.exception
    assert at.number_input(key=f"{layer_id}.out_features").value == 0  # not swapped for another number
    assert any("'out_features' must be at least 1" in e.value for e in at.error)
    assert layers(at)[index]["out_features"] == kept
