"""Sequences for recurrent networks: forecasting waves, remembering across a gap, telling waves apart.

Inputs are (L, 1) float32: one value per time step. Values already sit around [-1.5, 1.5], so inputs are
used as they are (identity normalisation) and a forecast is in the same units as the series.
"""

from __future__ import annotations

import numpy as np
import torch

from dlcore.data.catalogue import dataset, split_params
from dlcore.data.dataset import split_dataset, split_indices
from dlcore.errors import DataError
from dlcore.params import Param


def _count(default: int = 1000) -> Param:
    return Param("num_sequences", "int", default, "How many sequences to generate.", min=100, max=20000)


def _length(default: int, low: int = 5, high: int = 200) -> Param:
    return Param("length", "int", default, "Time steps in each input sequence.", min=low, max=high)


def _noise(default: float, high: float = 1.0) -> Param:
    return Param(
        "noise", "float", default, "Standard deviation of the noise added to inputs.", min=0.0, max=high
    )


def _sequence_dataset(
    name, task, description, inputs, targets, rng, split, *, class_names=(), feature="value"
):
    """(N, L) inputs and targets -> a Dataset with (L, 1) inputs."""
    classify = task != "regression"
    labels = targets if classify else None
    idx = split_indices(len(inputs), split["train_fraction"], split["val_fraction"], rng, labels)
    x = torch.as_tensor(inputs, dtype=torch.float32)[:, :, None]  # (N, L, 1)
    y = torch.as_tensor(targets, dtype=torch.int64 if classify else torch.float32)
    return split_dataset(
        name,
        task,
        "sequences",
        x,
        y,
        idx,
        class_names=class_names,
        description=description,
        feature_names=[feature],
    )


# ---- forecasting -------------------------------------------------------------------------------------
def _waves(n: int, steps: int, components: int, rng: np.random.Generator) -> np.ndarray:
    """(n, steps) sums of `components` sines with random period (6-40 steps), phase and amplitude."""
    t = np.arange(steps)[None, :, None]
    period = rng.uniform(6, 40, size=(n, 1, components))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, components))
    amplitude = rng.uniform(0.5, 1.0, size=(n, 1, components)) / np.sqrt(components)
    return (amplitude * np.sin(2 * np.pi * t / period + phase)).sum(axis=2)


def _forecast_params() -> tuple[Param, ...]:
    return (
        _count(),
        _length(30),
        Param("horizon", "int", 1, "How many future values to predict.", min=1, max=20),
        _noise(0.05),
    ) + split_params(0.7, 0.1)


def _register_forecast(name: str, components: int, description: str):
    @dataset(name, "sequences", "regression", description, _forecast_params())
    def build(num_sequences, length, horizon, noise, **split):
        rng = np.random.default_rng(split["seed"])
        clean = _waves(num_sequences, length + horizon, components, rng)
        inputs = clean[:, :length] + rng.normal(0, noise, size=(num_sequences, length))
        return _sequence_dataset(name, "regression", description, inputs, clean[:, length:], rng, split)

    return build


_register_forecast(
    "sine",
    1,
    "Forecasting: from the last 'length' values of a noisy sine wave, predict the next value(s).",
)
_register_forecast(
    "compound_wave",
    3,
    "Forecasting: a sum of three sine waves of different periods; predict the next value(s).",
)


# ---- memory across a gap --------------------------------------------------------------------------------
MEMORY_DESCRIPTION = (
    "Remember the first value: each sequence starts with +1 or -1, then 'delay' steps of noise; say which "
    "it was. Plain RNNs fail as the delay grows (vanishing gradients); LSTM and GRU remember."
)


@dataset(
    "memory",
    "sequences",
    "binary",
    MEMORY_DESCRIPTION,
    (
        _count(),
        Param(
            "delay", "int", 20, "Steps of noise between the value to remember and the answer.", min=1, max=200
        ),
        _noise(0.5, high=2.0),
    )
    + split_params(0.7, 0.1),
)
def _memory(num_sequences, delay, noise, **split):
    rng = np.random.default_rng(split["seed"])
    labels = np.arange(num_sequences) % 2
    rng.shuffle(labels)
    inputs = rng.normal(0, noise, size=(num_sequences, delay + 1))
    inputs[:, 0] = 2.0 * labels - 1.0  # the value to remember: -1 (class 0) or +1 (class 1)
    return _sequence_dataset(
        "memory",
        "binary",
        MEMORY_DESCRIPTION,
        inputs,
        labels,
        rng,
        split,
        class_names=("first was -1", "first was +1"),
    )


# ---- recall a token after a delay --------------------------------------------------------------------
RECALL_DESCRIPTION = (
    "Recall a token after a delay: one step shows a token (and a mark), every other step only noise; "
    "at the end, say which token it was. The answer lies 'delay' steps back."
)


def check_delay(length: int, delay: int, marked: str = "marked token") -> None:
    """DataError for a delay that does not fit in the sequence (the `marked` step must be in it)."""
    if delay >= length:
        raise DataError(
            f"the delay ({delay} steps) must be shorter than the sequence ({length} steps): the {marked} "
            f"has to be inside it. Lower delay to at most {length - 1} or raise length",
            field="delay",
        )


def _recall_tokens(tokens: int) -> tuple[str, ...]:
    return tuple("ABCDEFGH"[:tokens])


@dataset(
    "recall",
    "sequences",
    "multiclass",
    RECALL_DESCRIPTION,
    (
        _count(),
        _length(40, low=2),
        Param("delay", "int", 20, "Steps between the marked token and the answer.", min=1, max=199),
        Param("tokens", "int", 4, "How many different tokens there are to recall.", min=2, max=8),
        _noise(0.2),
    )
    + split_params(0.7, 0.1),
)
def _recall(num_sequences, length, delay, tokens, noise, **split):
    check_delay(length, delay)
    rng = np.random.default_rng(split["seed"])
    marked = length - 1 - delay  # the step whose token is the answer
    labels = np.arange(num_sequences) % tokens
    rng.shuffle(labels)
    inputs = np.zeros((num_sequences, length, tokens + 1))  # one channel per token, then the mark
    inputs[np.arange(num_sequences), marked, labels] = 1.0
    inputs[:, marked, tokens] = 1.0
    inputs += rng.normal(0, noise, size=inputs.shape)
    idx = split_indices(num_sequences, split["train_fraction"], split["val_fraction"], rng, labels)
    names = _recall_tokens(tokens)
    features = [*(f"token {name}" for name in names), "mark"]
    return split_dataset(
        "recall",
        "multiclass",
        "sequences",
        torch.as_tensor(inputs, dtype=torch.float32),
        torch.as_tensor(labels, dtype=torch.int64),
        idx,
        class_names=names,
        description=RECALL_DESCRIPTION,
        feature_names=features,
    )


# ---- the adding problem -------------------------------------------------------------------------------
ADDING_DESCRIPTION = (
    "The adding problem (Hochreiter and Schmidhuber, 1997): every step shows a random number between 0 and "
    "1 and a mark; two steps are marked, the first 'delay' steps before the end, the second after it. "
    "Answer the sum of the two marked numbers. Always answering the average sum, 1, explains nothing (R² 0)."
)


@dataset(
    "adding",
    "sequences",
    "regression",
    ADDING_DESCRIPTION,
    (
        _count(),
        _length(50, low=2),
        Param("delay", "int", 40, "Steps between the first marked number and the answer.", min=1, max=199),
    )
    + split_params(0.7, 0.1),
)
def _adding(num_sequences, length, delay, **split):
    check_delay(length, delay, marked="first marked number")
    rng = np.random.default_rng(split["seed"])
    first = length - 1 - delay
    second = rng.integers(first + 1, length, size=num_sequences)  # somewhere after the first, to the end
    inputs = np.zeros((num_sequences, length, 2))  # (N, L, [number, mark])
    inputs[:, :, 0] = rng.uniform(0, 1, size=(num_sequences, length))
    rows = np.arange(num_sequences)
    inputs[:, first, 1] = inputs[rows, second, 1] = 1.0
    sums = inputs[:, first, 0] + inputs[rows, second, 0]
    idx = split_indices(num_sequences, split["train_fraction"], split["val_fraction"], rng, None)
    return split_dataset(
        "adding",
        "regression",
        "sequences",
        torch.as_tensor(inputs, dtype=torch.float32),
        torch.as_tensor(sums[:, None], dtype=torch.float32),
        idx,
        description=ADDING_DESCRIPTION,
        feature_names=["number", "mark"],
    )


# ---- classification ------------------------------------------------------------------------------------
WAVE_KINDS = ("sine", "square", "sawtooth", "triangle")
WAVES_DESCRIPTION = "Which kind of wave is hidden in the noise: sine, square, sawtooth or triangle?"


def _shape_of(kind: int, cycle: np.ndarray) -> np.ndarray:
    """Wave `kind` at positions `cycle` (in cycles: 0..1 is one period), values in [-1, 1]."""
    frac = cycle % 1.0
    if kind == 0:
        return np.sin(2 * np.pi * cycle)
    if kind == 1:
        return np.where(frac < 0.5, 1.0, -1.0)
    if kind == 2:
        return 2 * frac - 1
    return 1 - 4 * np.abs(frac - 0.5)


@dataset(
    "wave_classes",
    "sequences",
    "multiclass",
    WAVES_DESCRIPTION,
    (_count(), _length(50, low=10), _noise(0.3, high=2.0)) + split_params(0.7, 0.1),
)
def _wave_classes(num_sequences, length, noise, **split):
    rng = np.random.default_rng(split["seed"])
    labels = np.arange(num_sequences) % len(WAVE_KINDS)
    rng.shuffle(labels)
    period = rng.uniform(8, 25, size=(num_sequences, 1))
    cycle = np.arange(length)[None, :] / period + rng.uniform(0, 1, size=(num_sequences, 1))
    amplitude = rng.uniform(0.6, 1.2, size=(num_sequences, 1))
    inputs = np.empty((num_sequences, length))
    for k in range(len(WAVE_KINDS)):
        rows = labels == k
        inputs[rows] = amplitude[rows] * _shape_of(k, cycle[rows])
    inputs += rng.normal(0, noise, size=inputs.shape)
    return _sequence_dataset(
        "wave_classes", "multiclass", WAVES_DESCRIPTION, inputs, labels, rng, split, class_names=WAVE_KINDS
    )
