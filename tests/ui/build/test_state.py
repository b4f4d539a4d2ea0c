"""The Build page's link: the whole model in the URL, read on the first visit, rewritten after each edit."""

import dataclasses
import hashlib

import pytest
from hypothesis import HealthCheck, given, settings
from streamlit_dnd import DropEvent

import dlcore
from tests.spec_strategies import valid_specs
from tests.ui.build.support import built, layer_ids
from tests.ui.pages import open_at
from ui.build.state import MODEL_PARAM, BuildState, from_query, starting_state, to_query

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

STARTING = starting_state().spec
LENET = dlcore.presets()["lenet5"].to_dict()


def link_to(spec: dict) -> dict[str, str]:
    return {MODEL_PARAM: dlcore.links.pack(spec)}


def opened(app, query: dict[str, str]):
    return open_at(app, "pages/build.py", query)


def model_in_url(at) -> dict:
    return dlcore.links.unpack(at.query_params[MODEL_PARAM])


def test_a_link_with_a_model_opens_that_model(app):
    at = opened(app, link_to(LENET))
    assert built(at) == LENET
    assert any(card.value.startswith("**1 · Conv2d**") for card in at.markdown)
    assert not at.warning


def test_a_model_too_long_for_a_link_comes_back_from_its_short_id(app):
    noise = "".join(hashlib.sha256(bytes([n])).hexdigest() for n in range(30))  # does not compress
    wide = {**LENET, "description": noise}
    token = link_to(wide)[MODEL_PARAM]
    assert token.startswith(dlcore.links.STORED_PREFIX) and len(token) < 30  # a short id, kept on the server
    at = opened(app, {MODEL_PARAM: token})
    assert built(at) == wide
    assert at.query_params[MODEL_PARAM] == token


@pytest.mark.parametrize(
    "token, says",
    [
        ("zthis-is-not-a-model", "damaged"),
        ("s" + "0" * 20, "not on this server"),
        (dlcore.links.pack({"input_shape": [4], "layers": [{"units": 3}]}), "no 'type'"),
        (dlcore.links.pack(["a", "list"]), "must be a dict"),
    ],
)
def test_a_damaged_unknown_or_broken_link_says_so_and_keeps_the_starting_model(app, token, says):
    at = opened(app, {MODEL_PARAM: token})
    assert built(at) == STARTING
    assert len(at.warning) == 1
    assert "could not be opened" in at.warning[0].value and says in at.warning[0].value
    assert model_in_url(at) == STARTING  # the address bar now links to what is on the page
    at.run()
    assert not at.warning  # said once


def test_a_model_that_does_not_fit_still_opens_and_its_layer_is_marked(app):
    misfit = {"input_shape": [4], "layers": [{"type": "Linear", "out_features": 3}, {"type": "LSTM"}]}
    at = opened(app, link_to(misfit))
    assert built(at) == misfit
    assert not at.warning
    assert len(at.error) == 1 and "Layer 2 (LSTM)" in at.error[0].value


def test_attention_heads_that_do_not_divide_the_width_name_the_layer_and_field(app):
    misfit = {
        "input_shape": [8],
        "layers": [
            {"type": "Embedding", "num_embeddings": 10, "embedding_dim": 30},
            {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 64},
        ],
    }
    at = app.run()
    at.switch_page("pages/build.py")
    at.query_params.update(link_to(misfit))
    at.run()
    assert not at.exception
    assert built(at) == misfit  # the model is kept as it was built
    assert len(at.error) == 1
    assert "Layer 2 (TransformerEncoderLayer), field 'nhead'" in at.error[0].value
    assert "split evenly across 4 heads" in at.error[0].value


def test_every_edit_puts_the_new_model_in_the_url(app, fake_drops):
    at = opened(app, {})
    assert model_in_url(at) == built(at) == STARTING
    edits = [
        lambda: fake_drops.append(DropEvent("palette_dense", "model_layers", "palette-Linear", 0, 1)),
        lambda: fake_drops.append(DropEvent("model_layers", "model_layers", "card-x", 0, 2)),
        lambda: at.button(key=f"remove-{layer_ids(at)[1]}").click(),  # the Flatten; the new Linear stays open
        lambda: at.number_input(key=f"{layer_ids(at)[0]}.out_features").set_value(5),
        lambda: at.text_input(key="model.name").set_value("Mine"),
        lambda: at.text_input(key="model.input_shape").set_value("1, 4, 4"),
        lambda: at.pills(key="preset_choice").set_value("lenet5"),
        lambda: next(b for b in at.button if b.label == "Clear").click(),
    ]
    seen = [model_in_url(at)]
    for edit in edits:
        edit()
        at.run()
        assert not at.exception
        assert model_in_url(at) == dlcore.ModelSpec.from_dict(built(at)).to_dict()
        assert model_in_url(at) != seen[-1]
        seen.append(model_in_url(at))
    assert seen[-1] == {"input_shape": [1, 28, 28], "layers": []}


def test_an_upload_puts_the_new_model_in_the_url(app):
    at = opened(app, {})
    spec = dlcore.presets()["perceptron"]
    at.file_uploader(key="spec_upload").upload("p.json", spec.to_json().encode(), "application/json").run()
    assert model_in_url(at) == spec.to_dict()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_specs())
def test_url_state_url_round_trips_are_stable(spec):
    query = to_query(BuildState.of(spec))
    state, problems = from_query(query)
    assert not problems
    assert state.spec == dlcore.ModelSpec.from_dict(spec).to_dict() and to_query(state) == query


def test_a_state_cannot_be_changed_in_place():
    state = starting_state()
    state.spec["layers"].clear()  # a reader's copy
    assert state.spec == STARTING
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.selected = state.layer_ids[0]
    with pytest.raises(ValueError):
        BuildState(state.spec_json, state.layer_ids[1:])  # every layer has its id


def test_an_edit_whose_structure_is_broken_is_refused_and_the_model_kept(app):
    at = opened(app, {})
    at.text_input(key="model.name").set_value("x" * 101).run()  # longer than any name a spec may hold
    assert not at.exception
    assert built(at) == STARTING
    assert len(at.warning) == 1 and "name" in at.warning[0].value


def test_a_frozen_layer_stays_frozen_through_the_link():
    spec = {"input_shape": [3], "layers": [{"type": "Linear", "out_features": 4, "trainable": False}]}
    state, problems = from_query(to_query(BuildState.of(spec)))
    assert problems == [] and dlcore.ModelSpec.from_dict(state.spec).layers[0].trainable is False
