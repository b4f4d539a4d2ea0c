"""The language tab's engine: the prompt, the next-character probabilities, sampling, its state and link."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore.sequences import language as lm
from dlcore.sequences.language import LanguageState


@pytest.fixture(scope="module")
def untrained():
    state = LanguageState(context=16, layers=1, width=32)
    ds = lm.dataset(state)
    torch.manual_seed(0)
    model = dlcore.build_model(lm.model_spec(state, ds)).eval()
    return model, ds.class_names


def test_a_prompt_with_characters_the_text_lacks_names_each_of_them(untrained):
    _, vocabulary = untrained
    with pytest.raises(dlcore.DataError) as caught:
        lm.encode("Zoë said: hi#", vocabulary)
    message, field = caught.value.message, caught.value.field
    assert field == "prompt"
    for missing in ("'Z'", "'ë'", "'#'"):
        assert missing in message
    assert "'h'" not in message and "Remove or replace them" in message


def test_an_empty_prompt_asks_for_one(untrained):
    with pytest.raises(dlcore.DataError, match="at least one character"):
        lm.encode("", untrained[1])


@settings(max_examples=25)
@given(
    text=st.text(alphabet="The fox ran.", min_size=1, max_size=40),
    colder=st.floats(0.05, 1.0),
    warmer=st.floats(1.0, 3.0),
)
def test_next_character_probabilities_sum_to_one_and_sharpen_as_the_temperature_falls(
    untrained, text, colder, warmer
):
    model, vocabulary = untrained
    tokens = lm.encode(text, vocabulary)  # prompts longer than the context keep their last characters
    cold = lm.next_token_probabilities(model, tokens, colder)
    warm = lm.next_token_probabilities(model, tokens, warmer)
    torch.testing.assert_close(cold.sum(), torch.tensor(1.0))
    assert cold.shape == (len(vocabulary),)
    assert cold.max() >= warm.max() - 1e-6
    assert cold.argmax() == warm.argmax()


def test_the_prediction_reads_only_the_prompt_not_the_placeholders_after_it(untrained):
    """Causal attention: what fills the unwritten positions cannot change the next character."""
    model, vocabulary = untrained
    tokens = lm.encode("The f", vocabulary)
    read, last = lm._window(model, tokens)
    other = read.clone()
    other[0, last + 1 :] = 7
    with torch.no_grad():
        torch.testing.assert_close(model(read)[0, last], model(other)[0, last])


def test_sampling_is_seeded_and_writes_only_known_characters(untrained):
    model, vocabulary = untrained
    tokens = lm.encode("The fox ", vocabulary)
    first = lm.sample(model, tokens, 30, 1.0, seed=3)
    assert torch.equal(first, lm.sample(model, tokens, 30, 1.0, seed=3))
    assert not torch.equal(first, lm.sample(model, tokens, 30, 1.0, seed=4))
    assert len(first) == 30 and int(first.max()) < len(vocabulary)


def test_trained_on_the_fables_it_continues_a_prompt_with_words_from_them():
    state = LanguageState(context=16, layers=1, width=32, epochs=8, lr=0.01)
    ds = lm.dataset(state)
    job = dlcore.start_training(lm.model_spec(state, ds), ds, lm.train_config(state, device="cpu"))
    assert job.wait(timeout=120) and job.status == "finished", job.error
    metrics = job.epoch_metrics()
    assert metrics["val_loss"].iloc[-1] < 0.75 * metrics["val_loss"].iloc[0]
    model = job.snapshot()
    for prompt, following in (("Slow and steady wins the rac", "e"), ("the grasshoppe", "r")):
        view = lm.language_view(model, LanguageState(prompt=prompt), ds.class_names)
        assert view.vocabulary[int(view.probabilities.argmax())] == following
        assert float(view.probabilities.max()) > 0.3  # a uniform guess gives each character 1/55
        assert len(view.continuation) == lm.SAMPLE_CHARACTERS


def test_heads_that_do_not_divide_the_width_name_the_layer_and_field():
    with pytest.raises(dlcore.DlcoreError) as caught:
        lm.LINK.validate(LanguageState(width=48, heads=5))
    assert "(TransformerEncoderLayer), field 'nhead'" in caught.value.message
    assert caught.value.field == "heads"


@settings(max_examples=30)
@given(
    st.builds(
        LanguageState,
        context=st.integers(8, 64),
        layers=st.integers(1, 4),
        heads=st.sampled_from([1, 2, 4]),
        width=st.sampled_from([16, 32, 64]),
        prompt=st.text(min_size=0, max_size=30),
        temperature=st.floats(0.05, 3.0),
        draw=st.integers(0, 1000),
    )
)
def test_any_valid_state_comes_back_from_its_link_whatever_the_prompt(state):
    lm.LINK.validate(state)  # a prompt the model cannot read is kept: the view says what is wrong with it
    assert lm.LINK.from_query(lm.LINK.to_query(state)) == (state, [])


def test_the_corpus_ships_with_a_readme_and_passages_are_the_next_characters_of_the_text():
    ds = dlcore.data.load("fables", num_sequences=200, length=12)
    text = "".join(ds.class_names[int(t)] for t in torch.cat([ds.train[0][0], ds.train[1][0]]))
    assert len(text) == 13 and text in dlcore.data.tokens.corpus()
    assert (dlcore.data.tokens.CORPUS.parent / "README.md").exists()
    assert dlcore.data.tokens.CORPUS.stat().st_size < 300_000


def test_copy_targets_are_the_inputs():
    ds = dlcore.data.load("copy", num_sequences=200)
    assert torch.equal(ds.train[0], ds.train[1])
