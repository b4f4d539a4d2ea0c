"""The Build page in AppTest: drops, reorders, removal, parameter forms, errors on the culprit, presets."""

import json
import re

import pytest
from streamlit_dnd import DropEvent

import dlcore
from tests.ui.build.support import built, layer_ids, set_built
from tests.ui.pages import open_at
from ui.train.state import TRAIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def layers(at) -> list[dict]:
    return built(at)["layers"]


def card_texts(at) -> list[str]:
    return [m.value for m in at.markdown if " · " in m.value]


def start(app):
    return open_at(app, "pages/build.py")


def test_opens_with_a_model_that_builds_and_counts_its_parameters(app):
    at = start(app)
    spec = dlcore.ModelSpec.from_dict(built(at))
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
    ids = layer_ids(at)
    at.button(key=f"remove-{ids[1]}").click().run()
    assert not at.exception
    assert [layer["type"] for layer in layers(at)] == before[:1] + before[2:]


def test_editing_a_parameter_changes_the_spec_and_the_parameter_count(app):
    at = start(app)
    index = next(i for i, layer in enumerate(layers(at)) if layer["type"] == "Linear")
    layer_id = layer_ids(at)[index]
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
    assert built(at)["input_shape"] != ["1", "eight", "8"]
    dlcore.validate(dlcore.ModelSpec.from_dict(built(at)))


def test_a_preset_loads_in_one_click(app):
    at = start(app)
    at.pills(key="preset_choice").set_value("lenet5").run()
    assert not at.exception
    assert built(at) == dlcore.presets()["lenet5"].to_dict()
    assert at.pills(key="preset_choice").value is None


def test_a_blocks_layers_show_by_their_own_name_under_the_block_in_the_table(app):
    """Full dotted names (block1.maxpool2d1) made the table too wide for the page at 1280×720."""
    at = start(app)
    at.pills(key="preset_choice").set_value("tiny_vgg").run()
    table = at.dataframe[0].value
    assert list(table.columns) == ["layer", "output", "params", "MACs"]
    assert table["layer"].tolist()[:3] == ["block1", "  conv2d1", "  relu1"]
    top_level = table[~table["layer"].str.startswith(" ")]  # a block's row counts its layers' weights
    assert top_level["params"].sum() == sum(p.numel() for p in dlcore.build_model(built(at)).parameters())


def test_pytorch_code_and_the_spec_json_are_offered_for_download(app):
    at = start(app)
    code = at.code[0].value
    assert "class" in code and "nn." in code
    spec_download = next(b for b in at.download_button if "spec" in b.label.lower())
    assert spec_download is not None


def test_bad_json_upload_is_explained_and_the_model_kept(app):
    at = start(app)
    before = json.loads(json.dumps(built(at)))
    at.file_uploader(key="spec_upload").upload("broken.json", b"{not json", "application/json").run()
    assert not at.exception
    assert "broken.json was not loaded" in at.error[0].value
    assert built(at) == before


def test_a_valid_json_upload_replaces_the_model(app):
    at = start(app)
    spec = dlcore.presets()["perceptron"]
    at.file_uploader(key="spec_upload").upload("p.json", spec.to_json().encode(), "application/json").run()
    assert not at.exception
    assert built(at) == spec.to_dict()


def test_clear_empties_the_model_but_keeps_its_input_shape(app):
    at = start(app)
    shape = built(at)["input_shape"]
    next(b for b in at.button if b.label == "Clear").click().run()
    assert not at.exception
    assert layers(at) == [] and built(at)["input_shape"] == shape
    assert at.metric[0].value == "0"


def test_a_spec_file_that_is_not_utf8_is_explained_in_a_sentence(app):
    at = start(app)
    upload = at.file_uploader(key="spec_upload")
    upload.upload("latin1.json", b'{"name": "caf\xe9"}', "application/json").run()
    assert not at.exception
    assert "not a text file" in at.error[0].value and "codec" not in at.error[0].value


TRACKER = "![t](http://host/track.png)"


def shown_tracker(at) -> list[str]:
    """Everything rendered as markdown on the page (titles, captions, text, errors) that quotes TRACKER."""
    elements = [*at.markdown, *at.caption, *at.error, *at.info, *at.warning, *at.success, *at.subheader]
    return [e.value for e in elements if "track.png" in e.value]


def markup(text: str) -> bool:
    """Whether markdown would read a link or an image in `text`: a '[' without a backslash before it."""
    return re.search(r"(?<!\\)\[", text) is not None


def test_a_spec_name_or_layer_type_written_as_markdown_shows_as_plain_text(app):
    at = start(app)
    spec = {"name": TRACKER, "input_shape": [4], "layers": [{"type": TRACKER}, {"type": "Linear"}]}
    at.file_uploader(key="spec_upload").upload("t.json", json.dumps(spec).encode(), "application/json").run()
    assert not at.exception
    assert built(at)["name"] == TRACKER  # loaded as it is ...
    at.run()
    texts = shown_tracker(at)
    assert texts and not any(markup(text) for text in texts), texts  # shown, never as an image or a link
    at.switch_page("pages/train.py").run()
    assert not at.exception
    texts = shown_tracker(at)
    assert texts and not any(markup(text) for text in texts), texts


def test_preset_buttons_show_the_presets_names_not_their_file_names(app):
    at = start(app)
    options = at.pills(key="preset_choice").options
    assert {"1-D CNN", "Perceptron", "Digits MLP", "Transformer encoder"} <= set(options)
    assert not {"cnn1d_sequence", "perceptron", "digits_mlp"} & set(options)


@pytest.mark.parametrize(
    "earlier_loss, key, loss, dataset",
    [("cross_entropy", "gru_sequence", "mse", "sine"), ("mse", "perceptron", "cross_entropy", "gaussian")],
)
def test_loading_a_preset_sets_its_dataset_and_training_settings_and_says_so(
    app, earlier_loss, key, loss, dataset
):
    at = start(app)
    earlier = {**dlcore.TrainConfig().to_dict(), "loss": earlier_loss, "loss_options": {}, "lr": 0.5}
    at.session_state[TRAIN.key] = dlcore.train_link.TrainState(settings=earlier)
    at.pills(key="preset_choice").set_value(key).run()
    assert not at.exception
    preset = dlcore.preset_catalogue()[key]
    settings = at.session_state[TRAIN.key].settings
    assert {k: settings[k] for k in preset.settings} == preset.settings and settings["loss"] == loss
    assert at.session_state[TRAIN.key].dataset == dataset
    said = next(c.value for c in at.caption if c.value.startswith(f"Loaded **{preset.name}**"))
    assert f"**{loss}** loss" in said and f"**{dataset}** data" in said
    at.switch_page("pages/train.py").run()
    assert not at.exception and not at.error  # ready to train: nothing to fix first
    assert at.selectbox(key="train.loss").value == loss
    assert not next(b for b in at.button if b.label == "Start").disabled


def test_clear_makes_a_fresh_unnamed_model_that_keeps_nothing_of_the_preset(app):
    at = start(app)
    at.pills(key="preset_choice").set_value("mlp").run()
    next(b for b in at.button if b.label == "Clear").click().run()
    assert not at.exception
    assert built(at) == {"input_shape": [2], "layers": []}
    assert at.text_input(key="model.name").value == ""
    assert not any(c.value.startswith("Loaded") for c in at.caption)
    own = [{"type": "Flatten"}, {"type": "Linear", "out_features": 2}]
    set_built(at, {"input_shape": [2], "layers": own})
    at.run()
    assert "class Net(" in at.code[0].value and "multilayer perceptron" not in at.code[0].value
    at.switch_page("pages/train.py").run()
    assert any(c.value.startswith("Training **your model**") for c in at.caption)


def test_the_model_name_is_set_on_build_and_names_the_model_everywhere(app):
    at = start(app)
    at.text_input(key="model.name").set_value("My CNN").run()
    assert not at.exception
    assert built(at)["name"] == "My CNN"
    assert "class MyCNN(" in at.code[0].value
    at.pills(key="preset_choice").set_value("lenet5").run()
    assert at.text_input(key="model.name").value == "LeNet-5"  # a preset brings its own name


def test_an_out_of_range_number_stays_in_its_box_refused_beside_it_and_the_layer_keeps_its_value(app):
    at = start(app)
    index = next(i for i, layer in enumerate(layers(at)) if layer["type"] == "Linear")
    layer_id = layer_ids(at)[index]
    at.button(key=f"edit-{layer_id}").click().run()
    kept = layers(at)[index]["out_features"]
    at.number_input(key=f"{layer_id}.out_features").set_value(0).run()
    assert not at.exception
    assert at.number_input(key=f"{layer_id}.out_features").value == 0  # not swapped for another number
    assert any("'out_features' must be at least 1" in e.value for e in at.error)
    assert layers(at)[index]["out_features"] == kept


def test_a_blocks_inner_layers_are_edited_as_json_and_text_that_is_not_layers_is_refused(app):
    at = start(app)
    at.pills(key="preset_choice").set_value("tiny_vgg").run()
    block_id = layer_ids(at)[0]
    at.button(key=f"edit-{block_id}").click().run()
    before = built(at)
    at.text_area(key=f"{block_id}.layers").set_value('[{"units": 3}]').run()
    assert not at.exception
    assert any("no 'type'" in e.value and "last good version is kept" in e.value for e in at.error)
    assert built(at) == before
    at.text_area(key=f"{block_id}.layers").set_value('[{"type": "ReLU"}]').run()
    assert not at.exception
    assert built(at)["layers"][0]["layers"] == [{"type": "ReLU"}]


def test_the_trainable_switch_freezes_a_layer_its_card_says_so_and_the_counts_split(app):
    at = start(app)
    index = next(i for i, layer in enumerate(layers(at)) if layer["type"] == "Linear")
    layer_id = layer_ids(at)[index]
    at.button(key=f"edit-{layer_id}").click().run()
    total = at.metric[0].value
    switch = at.toggle(key=f"{layer_id}.trainable")
    assert switch.value is True and switch.help
    switch.set_value(False).run()
    assert not at.exception
    assert layers(at)[index]["trainable"] is False
    frozen = sum(p.numel() for p in dlcore.build_model(built(at))[index].parameters())
    assert at.metric[0].value == f"{int(total.replace(',', '')) - frozen:,}"
    assert at.metric[0].delta == f"{frozen:,} frozen"
    assert [c.value for c in at.caption if "Frozen" in c.value] == [
        ":material/ac_unit: **Frozen**: training leaves its weights as they are."
    ]
    assert "requires_grad_(False)" in dlcore.to_pytorch_code(built(at))
    marked = [name for name in at.dataframe[0].value["layer"] if name.endswith(" ❄")]
    assert marked == [dlcore.summarize(built(at)).name[index].rsplit(".", 1)[-1] + " ❄"]
    at.toggle(key=f"{layer_id}.trainable").set_value(True).run()
    assert dlcore.ModelSpec.from_dict(built(at)).layers[index].trainable


def test_a_layer_with_nothing_to_learn_has_no_trainable_switch(app):
    at = start(app)
    index = next(i for i, layer in enumerate(layers(at)) if layer["type"] == "ReLU")
    layer_id = layer_ids(at)[index]
    at.button(key=f"edit-{layer_id}").click().run()
    assert not [t for t in at.toggle if t.key == f"{layer_id}.trainable"]
