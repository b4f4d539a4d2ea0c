"""The Sequences page in AppTest: it opens on a tab from the link, the tab's settings go into the link, a
bad link or a refused value gives a message and keeps what the student set up."""

from __future__ import annotations

import pytest

import dlcore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def messages(at) -> str:
    return " ".join(e.value for e in [*at.warning, *at.error])


def test_the_page_opens_on_the_memory_tab_and_writes_it_into_the_link(open_page):
    at = open_page()
    assert at.session_state["sequences.state"] == dlcore.sequences.OpenTab("memory")
    assert at.query_params["tab"] == "memory"
    assert at.selectbox(key="seq-memory.cell").value == "LSTM"


def test_a_link_opens_the_memory_tab_with_its_settings(open_page):
    at = open_page({"tab": "memory", "memory.cell": "GRU", "memory.length": "12"})
    state = at.session_state["sequences.memory.state"]
    assert (state.cell, state.length) == ("GRU", 12)
    assert not messages(at)


def test_a_bad_link_says_what_it_could_not_use_and_opens_with_the_defaults(open_page):
    at = open_page({"tab": "nowhere", "memory.cell": "Transformer"})
    assert "no tab 'nowhere'" in messages(at)
    assert "'cell' must be one of" in messages(at)
    assert at.session_state["sequences.memory.state"].cell == "LSTM"


def test_changing_a_setting_changes_the_link(open_page):
    at = open_page()
    at.selectbox(key="seq-memory.cell").select("RNN").run()
    assert not at.exception
    assert at.query_params["memory.cell"] == "RNN"


def test_start_trains_the_chosen_cell_and_the_views_follow(open_page):
    at = open_page({"memory.cell": "GRU", "memory.length": "10"})
    at.button(key="seq-memory-start").click().run()
    assert not at.exception
    job = at.session_state["seq_memory_job"]
    try:
        assert job.spec.layers[0].type == "GRU"
        at.run()
        assert not at.exception
    finally:
        job.stop()
        job.wait(5)


def test_the_tabs_come_in_the_pages_order_whatever_order_their_modules_load_in(open_page):
    at = open_page()
    labels = [tab.label for tab in at.tabs]
    assert labels[:2] == ["Recurrent memory", "Long-memory race"] and labels[-1] == "Embeddings"
