"""The attention tab in AppTest: it opens from a link, its settings go into the link, heads that do not
divide the width are refused with a message naming the layer and field, Start trains and the maps follow."""

from __future__ import annotations

import pytest

from ui import state as keys

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def messages(at) -> str:
    return " ".join(e.value for e in [*at.warning, *at.error])


def test_a_link_opens_the_attention_tab_with_its_settings(open_page):
    at = open_page({"tab": "attention", "attention.task": "sort", "attention.mask": "causal"})
    state = at.session_state["sequences.attention.state"]
    assert (state.task, state.mask) == ("sort", "causal")
    assert at.selectbox(key="seq-attention.task").value == "sort"
    assert not messages(at)


def test_heads_that_do_not_divide_the_width_are_refused_naming_the_layer_and_field(open_page):
    at = open_page({"tab": "attention", "attention.width": "24"})
    at.slider(key="seq-attention.heads").set_value(5).run()
    assert not at.exception
    assert "Layer 3 (TransformerEncoderLayer), field 'nhead'" in messages(at)
    assert "Heads" in messages(at)
    state = at.session_state["sequences.attention.state"]
    assert (state.heads, state.width) == (2, 24)  # the old setup stays
    assert "attention.heads" not in at.query_params


def test_changing_the_task_changes_the_link(open_page):
    at = open_page({"tab": "attention"})
    at.selectbox(key="seq-attention.task").select("copy").run()
    assert not at.exception
    assert at.query_params["attention.task"] == "copy"


def test_start_trains_the_tabs_transformer_and_the_views_follow(open_page):
    at = open_page({"tab": "attention", "attention.layers": "2", "attention.epochs": "2"})
    at.button(key="seq-attention-start").click().run()
    assert not at.exception
    job, started = at.session_state[keys.SEQ_ATTENTION_RUN]
    assert started.layers == 2
    assert [layer.type for layer in job.spec.layers].count("TransformerEncoderLayer") == 2
    job.wait(60)
    at.run()
    assert not at.exception
    assert any("This input's answer" in c.value for c in at.caption)


def test_the_causal_mask_trains_as_a_language_model(open_page):
    at = open_page({"tab": "attention", "attention.mask": "causal", "attention.epochs": "1"})
    at.button(key="seq-attention-start").click().run()
    assert not at.exception
    job, _ = at.session_state[keys.SEQ_ATTENTION_RUN]
    assert job.config.recipe == "language_model"
    job.wait(60)
    at.run()
    assert not at.exception and job.status == "finished"
    assert any("This input's answer" in c.value for c in at.caption)
