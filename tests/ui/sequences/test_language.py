"""The language tab in AppTest: a prompt with characters the text lacks is named and kept, the temperature
and a new sample go into the link, Start trains and the next characters and a continuation follow."""

from __future__ import annotations

import pytest

from ui import state as keys

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def messages(at) -> str:
    return " ".join(e.value for e in [*at.warning, *at.error])


def test_a_prompt_with_characters_the_text_lacks_names_them_and_is_kept(open_page):
    at = open_page({"tab": "language"})
    at.text_input(key="seq-language.prompt").input("Zoë and the fox").run()
    assert not at.exception
    assert "'Z'" in messages(at) and "'ë'" in messages(at)
    assert at.session_state["sequences.language.state"].prompt == "Zoë and the fox"
    assert at.query_params["language.prompt"] == "Zoë and the fox"


def test_temperature_and_sample_again_go_into_the_link(open_page):
    at = open_page({"tab": "language"})
    at.slider(key="seq-language.temperature").set_value(0.5).run()
    at.button(key="seq-language-again").click().run()
    assert not at.exception
    assert at.query_params["language.temperature"] == "0.5"
    assert at.query_params["language.draw"] == "1"


def test_heads_that_do_not_divide_the_width_are_refused_naming_the_layer_and_field(open_page):
    at = open_page({"tab": "language", "language.width": "48"})
    at.slider(key="seq-language.heads").set_value(5).run()
    assert not at.exception
    assert "(TransformerEncoderLayer), field 'nhead'" in messages(at)
    assert at.session_state["sequences.language.state"].heads == 2


def test_start_trains_on_the_fables_and_the_prompt_is_continued(open_page):
    at = open_page(
        {"tab": "language", "language.epochs": "1", "language.layers": "1", "language.prompt": "The hare "}
    )
    at.button(key="seq-language-start").click().run()
    assert not at.exception
    job, started = at.session_state[keys.SEQ_LANGUAGE_RUN]
    assert job.dataset.name == "fables" and started.layers == 1
    job.wait(60)
    at.run()
    assert not at.exception
    assert any(m.value.startswith("**The hare** ") for m in at.markdown)
