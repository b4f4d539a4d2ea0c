"""Token tasks for attention: reverse, sort or copy a sequence of digits, add two numbers written as
digits; and text to continue, one character at a time (`fables`, a tiny corpus shipped in assets/text/).

Inputs and targets are int64 token indices (N, L); the model predicts one token per position, so
`num_classes == vocab_size` and `class_names` are the tokens' spellings. Every sequence in a dataset is
different, so no test question was seen in training.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import torch

from dlcore.data.catalogue import dataset, split_params
from dlcore.data.dataset import Dataset, split_dataset, split_indices
from dlcore.errors import DataError
from dlcore.params import Param

DIGITS = [str(d) for d in range(10)]
PLUS, BLANK = 10, 11  # the adding task's extra tokens
ADD_TOKENS = [*DIGITS, "+", "_"]


def _digit_rows(n: int, length: int, rng: np.random.Generator, what: str = "") -> np.ndarray:
    """(n, length) distinct rows of random digits, in random order."""
    if n > 10**length:
        what = what or f"sequences of {length} digits exist: lower num_sequences or raise length"
        raise DataError(f"only {10**length:,} different {what}", field="num_sequences")
    if 10**length <= 1_000_000:  # small space: draw distinct numbers, then write them as digits
        codes = rng.choice(10**length, size=n, replace=False)
        return (codes[:, None] // 10 ** np.arange(length - 1, -1, -1)) % 10
    rows = np.empty((0, length), dtype=np.int64)
    while len(rows) < n:  # huge space: repeats are rare, so draw, drop repeats, top up
        rows = np.unique(
            np.concatenate([rows, rng.integers(0, 10, size=(n - len(rows) + 8, length))]), axis=0
        )
    return rng.permutation(rows)[:n]


def _token_dataset(name, description, inputs, targets, tokens, rng, split) -> Dataset:
    idx = split_indices(len(inputs), split["train_fraction"], split["val_fraction"], rng)
    x = torch.as_tensor(inputs, dtype=torch.int64)
    y = torch.as_tensor(targets, dtype=torch.int64)
    return split_dataset(
        name,
        "sequence-to-sequence",
        "tokens",
        x,
        y,
        idx,
        class_names=tokens,
        description=description,
        vocab_size=len(tokens),
    )


def _params(length_default: int) -> tuple[Param, ...]:
    return (
        Param("num_sequences", "int", 2000, "How many examples to generate.", min=100, max=20000),
        Param("length", "int", length_default, "Digits in each input sequence.", min=4, max=20),
    ) + split_params(0.7, 0.1)


def _register_digits_task(name: str, description: str, answer):
    @dataset(name, "tokens", "sequence-to-sequence", description, _params(8))
    def build(num_sequences, length, **split):
        rng = np.random.default_rng(split["seed"])
        inputs = _digit_rows(num_sequences, length, rng)
        return _token_dataset(name, description, inputs, answer(inputs), DIGITS, rng, split)

    return build


_register_digits_task(
    "reverse",
    "Reverse a sequence of digits (3 1 4 1 5 -> 5 1 4 1 3): each output position must attend to its mirror.",
    lambda rows: rows[:, ::-1].copy(),
)
_register_digits_task(
    "sort",
    "Sort a sequence of digits (3 1 4 1 5 -> 1 1 3 4 5): each output must compare all inputs.",
    lambda rows: np.sort(rows, axis=1),
)
_register_digits_task(
    "copy",
    "Copy a sequence of digits (3 1 4 1 5 -> 3 1 4 1 5): each output position attends to itself.",
    lambda rows: rows.copy(),
)


ADD_DESCRIPTION = (
    "Add two numbers written as digits: '123+045' -> '0168' (then blanks '_' to the input's length). "
    "Carrying means a digit depends on all the digits to its right."
)


@dataset(
    "add",
    "tokens",
    "sequence-to-sequence",
    ADD_DESCRIPTION,
    (
        Param("num_sequences", "int", 2000, "How many sums to generate.", min=100, max=20000),
        Param("digits", "int", 3, "Digits in each number (zero-padded).", min=1, max=8),
    )
    + split_params(0.7, 0.1),
)
def _add(num_sequences, digits, **split):
    rng = np.random.default_rng(split["seed"])
    what = f"pairs of {digits}-digit numbers exist: lower num_sequences or raise digits"
    pairs = _digit_rows(
        num_sequences, 2 * digits, rng, what
    )  # (N, 2d): a's digits then b's, all pairs distinct
    a_digits, b_digits = pairs[:, :digits], pairs[:, digits:]
    weights = 10 ** np.arange(digits - 1, -1, -1)
    total = a_digits @ weights + b_digits @ weights  # (N,)
    sum_digits = (total[:, None] // 10 ** np.arange(digits, -1, -1)) % 10  # (N, d + 1), zero-padded
    inputs = np.concatenate([a_digits, np.full((num_sequences, 1), PLUS), b_digits], axis=1)  # (N, 2d + 1)
    targets = np.full_like(inputs, BLANK)
    targets[:, : digits + 1] = sum_digits
    return _token_dataset("add", ADD_DESCRIPTION, inputs, targets, ADD_TOKENS, rng, split)


CORPUS = Path(__file__).resolve().parents[2] / "assets" / "text" / "fables.txt"
TEXT_DESCRIPTION = (
    "Aesop's fables and nursery rhymes (about 8,700 characters, assets/text/): from one character, write "
    "the next ones, one at a time. The vocabulary is the characters of the text."
)


@cache
def corpus() -> str:
    """The shipped text, every run of spaces and line breaks read as one space."""
    return " ".join(CORPUS.read_text(encoding="utf-8").split())


def text_vocabulary() -> list[str]:
    """The corpus's characters, sorted: token i is the character vocabulary[i]."""
    return sorted(set(corpus()))


@dataset(
    "fables",
    "tokens",
    "sequence-to-sequence",
    TEXT_DESCRIPTION,
    (
        Param("num_sequences", "int", 3000, "How many passages to cut from the text.", min=100, max=8000),
        Param("length", "int", 32, "Characters the model reads in each passage.", min=8, max=64),
    )
    + split_params(0.8, 0.1),
)
def _fables(num_sequences, length, **split):
    # A passage of length + 1 characters as the language-model recipe reads it: its first character is
    # the question, the other `length` the answer, so every next character is predicted.
    text, vocabulary = corpus(), text_vocabulary()
    rng = np.random.default_rng(split["seed"])
    starts = rng.choice(len(text) - length, size=num_sequences, replace=False)
    codes = np.array([vocabulary.index(c) for c in text])
    passages = codes[starts[:, None] + np.arange(length + 1)]  # (N, length + 1)
    return _token_dataset(
        "fables", TEXT_DESCRIPTION, passages[:, :1], passages[:, 1:], vocabulary, rng, split
    )


def decode(tokens: torch.Tensor | np.ndarray, names: list[str]) -> str:
    """One sequence of token indices -> text, e.g. '123+045' (single-character tokens are joined)."""
    parts = [names[int(t)] for t in tokens]
    return "".join(parts) if all(len(p) == 1 for p in parts) else " ".join(parts)
