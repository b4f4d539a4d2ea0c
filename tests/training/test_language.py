"""The language-model recipe: a token task learned as next-token prediction with causal attention."""

from __future__ import annotations

import pytest
import torch

import dlcore
from dlcore.errors import SpecError, TrainError
from dlcore.training import fit, make_recipe
from dlcore.training.language import LANGUAGE

QUESTION, ANSWER, VOCAB = 8, 8, 10
LENGTH = QUESTION + ANSWER - 1


def lm_spec(*middle, length=LENGTH, causal=True) -> dlcore.ModelSpec:
    block = {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 64, "dropout": 0.0}
    layers = middle or ({**block, "causal": causal}, {**block, "causal": causal})
    return dlcore.ModelSpec.from_dict(
        {
            "input_shape": [length],
            "layers": [
                {"type": "Embedding", "num_embeddings": VOCAB, "embedding_dim": 32},
                {"type": "PositionalEncoding"},
                *layers,
                {"type": "Linear", "out_features": VOCAB},
            ],
        }
    )


@pytest.fixture(scope="module")
def reverse():
    return dlcore.data.load("reverse", num_sequences=2000, length=QUESTION)


@pytest.fixture
def one_thread():
    # As a job trains (dlcore.jobs): on this shared 2-core machine two threads made it ~15x slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def language_model(spec, ds, options=None, **cfg):
    cfg = dlcore.TrainConfig(device="cpu", recipe="language_model", recipe_options=options or {}, **cfg)
    LANGUAGE.check({"model": spec}, ds, cfg, LANGUAGE.options(cfg.recipe_options))
    torch.manual_seed(cfg.seed)
    return make_recipe("language_model", {"model": dlcore.build_model(spec)}, ds, cfg, torch.device("cpu"))


def test_the_language_model_learns_to_reverse(reverse, one_thread):
    recipe = language_model(lm_spec(), reverse, lr=5e-3, batch_size=64, epochs=10)
    before = recipe.evaluate(*recipe.data.test)
    fit(recipe, recipe.data, epochs=10, batch_size=64, generator=torch.Generator().manual_seed(0))
    after = recipe.evaluate(*recipe.data.test)  # teacher forced, on questions never seen in training
    assert before["accuracy"] < 0.2 and before["answer_accuracy"] == 0.0
    assert after["accuracy"] >= 0.99
    assert after["answer_accuracy"] >= 0.95  # whole answers, written by the model token by token
    questions, answers = reverse.test
    written = recipe.complete(questions[:50])
    assert (written == answers[:50]).all(dim=1).float().mean() >= 0.95
    assert torch.equal(recipe.complete(questions[0]), recipe.complete(questions[:1])[0])


def test_only_the_answer_is_scored(reverse):
    recipe = language_model(lm_spec(), reverse)
    x, y = recipe.data.train
    assert x.shape == (len(y), LENGTH) and y.shape == (len(y), ANSWER)
    assert torch.equal(x[:, :QUESTION], reverse.train[0]) and torch.equal(x[:, QUESTION:], y[:, :-1])
    assert recipe.answer_scores(x[:3]).shape == (3, ANSWER, VOCAB)


def test_attention_that_can_read_ahead_is_refused_naming_the_layer(reverse):
    with pytest.raises(SpecError, match="set causal on layer 3") as info:
        language_model(lm_spec(causal=False), reverse)
    assert info.value.layer_path == (2,) and info.value.field == "causal"


def test_a_bidirectional_recurrent_layer_is_refused(reverse):
    gru = {"type": "GRU", "hidden_size": 16, "bidirectional": True, "return_sequence": True}
    with pytest.raises(SpecError, match="turn bidirectional off on layer 3"):
        language_model(lm_spec(gru), reverse)


def test_a_convolution_that_mixes_later_positions_is_caught_by_probing(reverse):
    conv = [
        {"type": "Transpose"},
        {"type": "Conv1d", "out_channels": 32, "kernel_size": 3, "padding": 1},
        {"type": "Transpose"},
    ]
    with pytest.raises(SpecError, match="reads ahead"):
        language_model(lm_spec(*conv), reverse)


def test_the_input_length_must_hold_question_and_answer(reverse):
    with pytest.raises(SpecError, match=r"set the model's input_shape to \[15\]") as info:
        language_model(lm_spec(length=QUESTION), reverse)
    assert info.value.field == "input_shape"


def test_a_dataset_without_tokens_is_refused():
    moons = dlcore.data.load("moons")
    with pytest.raises(TrainError, match="learns token tasks") as info:
        language_model(lm_spec(), moons)
    assert info.value.field == "recipe"


def test_options_are_validated_with_messages():
    with pytest.raises(TrainError, match="decode_examples") as info:
        LANGUAGE.options({"decode_examples": -1})
    assert info.value.field == "decode_examples"
    with pytest.raises(TrainError, match="no option 'beam'"):
        LANGUAGE.options({"beam": 4})


def test_a_step_never_reads_a_value_on_the_host(reverse, monkeypatch):
    # SGD: Adam on the CPU reads its own step counter (a CPU tensor) with .item(); no device is involved,
    # but the patch below could not tell that read from one of the recipe's.
    recipe = language_model(lm_spec(), reverse, optimizer="sgd")
    x, y = recipe.data.train
    recipe.step(x[:32], y[:32])  # the first step warms the optimizer up outside the patch

    def refuse(*_):
        raise AssertionError("a training step read a tensor on the host")

    for name in ("item", "__float__", "__int__", "__bool__"):
        monkeypatch.setattr(torch.Tensor, name, refuse)
    for start in range(0, 96, 32):
        logs = recipe.step(x[start : start + 32], y[start : start + 32])
    monkeypatch.undo()
    assert set(logs) == set(recipe.log_names) and logs["loss"].dim() == 0
    assert recipe.capturable
    assert 0.0 <= recipe.train_scores(96)["train_accuracy"] <= 1.0
