"""The Sequences page's language tab: a tiny GPT learns to continue the shipped fables one character at a
time (the language-model recipe on the `fables` dataset), and answers a prompt while it trains: the
probability of every next character, and a continuation sampled at a temperature.

    state = LanguageState(prompt="The fox ")
    ds = dataset(state); job = start_training(model_spec(state, ds), ds, train_config(state))
    view = language_view(job.snapshot(), state, ds.class_names)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from dlcore.data.catalogue import load
from dlcore.data.dataset import Dataset
from dlcore.data.tokens import text_vocabulary
from dlcore.errors import DataError, excerpt
from dlcore.layers import PositionalEncoding
from dlcore.optim import LEARNING_RATE
from dlcore.params import Param
from dlcore.sequences.attention import PARAM as ATTENTION
from dlcore.sequences.attention import check_heads
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.spec import ModelSpec
from dlcore.training import TrainConfig
from dlcore.training.language import sequence_length

CORPUS = "fables"
PASSAGES = 3000  # passages cut from the text to train on
SAMPLE_CHARACTERS = 80  # characters a continuation adds to the prompt (a forward pass each)

PARAMS: tuple[Param, ...] = (
    Param("context", "int", 32, "Characters the model reads before it predicts the next one.", min=8, max=64),
    replace(ATTENTION["layers"], default=2),
    ATTENTION["heads"],
    replace(ATTENTION["width"], default=64),
    replace(LEARNING_RATE, default=0.003),
    Param("epochs", "int", 40, "Passes over the passages cut from the text.", min=1, max=1000),
    ATTENTION["seed"],
    Param("prompt", "str", "The fox ", "The text the model continues."),
    Param(
        "temperature",
        "float",
        1.0,
        "Divides the scores before they become probabilities: below 1 the likeliest characters win more "
        "often (safe, repetitive), above 1 unlikely ones get their chance (surprising, garbled).",
        min=0.05,
        max=3.0,
    ),
    Param("draw", "int", 0, "Which random continuation to sample.", min=0, max=2**31 - 1),
)


@dataclass(frozen=True)
class LanguageState:
    """The language tab in one browser tab; replaced whole, never changed in place. The prompt may hold
    characters the model cannot read: the view says which (nothing the student typed is thrown away)."""

    context: int = 32
    layers: int = 2
    heads: int = 2
    width: int = 64
    lr: float = 0.003
    epochs: int = 40
    seed: int = 0
    prompt: str = "The fox "
    temperature: float = 1.0
    draw: int = 0


def vocabulary() -> list[str]:
    """The characters the model reads and writes: those of the shipped text."""
    return text_vocabulary()


def dataset(state: LanguageState) -> Dataset:
    return load(CORPUS, num_sequences=PASSAGES, length=state.context, seed=state.seed)


def model_spec(state: LanguageState, ds: Dataset) -> ModelSpec:
    """Characters embedded, learned positions, `layers` causal transformer layers, a score per character."""
    layer = {
        "type": "TransformerEncoderLayer",
        "nhead": state.heads,
        "dim_feedforward": 2 * state.width,
        "dropout": 0.0,
        "causal": True,
    }
    return ModelSpec.from_dict(
        {
            "input_shape": [sequence_length(ds)],
            "layers": [
                {"type": "Embedding", "num_embeddings": ds.vocab_size, "embedding_dim": state.width},
                {"type": "PositionalEncoding", "kind": "learned"},
                *[dict(layer) for _ in range(state.layers)],
                {"type": "Linear", "out_features": ds.vocab_size},
            ],
        }
    )


def train_config(state: LanguageState, **settings) -> TrainConfig:
    """Next-character prediction with Adam; `settings` override (a test's device or time limit)."""
    return TrainConfig(
        **{
            "recipe": "language_model",
            "recipe_options": {"decode_examples": 0},  # whole passages written blind say little here
            "loss": "cross_entropy",
            "optimizer": "adam",
            "lr": state.lr,
            "batch_size": 64,
            "epochs": state.epochs,
            "seed": state.seed,
            **settings,
        }
    )


LINK = register_tab_link(
    param_link(
        "language",
        LanguageState,
        PARAMS,
        lambda state: check_heads(state.heads, state.width, lambda: model_spec(state, dataset(state))),
    )
)


# ---------------------------------------------------------------- the prompt, the next character, a sample


def encode(prompt: str, vocabulary: list[str]) -> torch.Tensor:
    """The prompt as token indices (N,); DataError naming the characters the vocabulary lacks."""
    if not prompt:
        raise DataError("type a prompt of at least one character for the model to continue", field="prompt")
    missing = sorted(set(prompt) - set(vocabulary))
    if missing:
        shown = " ".join(excerpt(c) for c in missing)
        raise DataError(
            f"the model has never seen {shown}: it only knows the {len(vocabulary)} characters of its text "
            f"(letters, digits, {' '.join(c for c in vocabulary if not c.isalnum() and c != ' ')} and the "
            "space). Remove or replace them in the prompt",
            field="prompt",
        )
    return torch.tensor([vocabulary.index(c) for c in prompt], dtype=torch.int64)


def _window(model: nn.Module, tokens: torch.Tensor) -> tuple[torch.Tensor, int]:
    """The model's fixed-length input holding the last tokens it can read, and the position of the last
    one. Positions after it hold token 0, which causal attention keeps unseen."""
    length = model_length(model)
    kept = tokens[-length:]
    read = torch.zeros(1, length, dtype=torch.int64)
    read[0, : len(kept)] = kept
    return read, len(kept) - 1


def model_length(model: nn.Module) -> int:
    """How many positions the model reads (its PositionalEncoding's)."""
    return next(m.embedding.shape[1] for m in model.modules() if isinstance(m, PositionalEncoding))


@torch.no_grad()
def next_token_probabilities(model: nn.Module, tokens: torch.Tensor, temperature: float) -> torch.Tensor:
    """(V,) probability of each token coming next after `tokens` (N,), the scores divided by the
    temperature. The model must be in eval mode, on the CPU."""
    read, last = _window(model, tokens)
    scores = model(read)[0, last]
    return torch.softmax(scores / temperature, dim=-1)


@torch.no_grad()
def sample(model: nn.Module, tokens: torch.Tensor, count: int, temperature: float, seed: int) -> torch.Tensor:
    """`count` tokens written after `tokens`, each drawn from the next-token probabilities (seeded)."""
    generator = torch.Generator().manual_seed(seed)
    text = tokens.clone()
    for _ in range(count):
        probs = next_token_probabilities(model, text, temperature)
        text = torch.cat([text, torch.multinomial(probs, 1, generator=generator)])
    return text[len(tokens) :]


@dataclass(frozen=True)
class LanguageView:
    """What the model makes of the prompt: the probability of every next character, and a continuation."""

    probabilities: torch.Tensor  # (V,)
    vocabulary: list[str]
    continuation: str


def language_view(model: nn.Module, state: LanguageState, vocabulary: list[str]) -> LanguageView:
    """The next-character probabilities after the prompt and a sampled continuation (on the CPU).
    DataError (field 'prompt') for a prompt with characters the vocabulary lacks."""
    torch.set_num_threads(1)  # tiny tensors: a second thread spins against the training threads
    tokens = encode(state.prompt, vocabulary)
    was_training = model.training
    model.eval()
    try:
        probabilities = next_token_probabilities(model, tokens, state.temperature)
        written = sample(model, tokens, SAMPLE_CHARACTERS, state.temperature, state.seed + state.draw)
    finally:
        model.train(was_training)
    return LanguageView(probabilities, vocabulary, "".join(vocabulary[int(t)] for t in written))
