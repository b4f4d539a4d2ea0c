"""The long-memory race: RNN, LSTM, GRU, a small transformer and a state-space layer learn one task whose
answer lies `delay` steps back.

Two tasks: "recall" marks one token and asks for it `delay` steps later; "adding" (the adding problem)
asks for the sum of two marked numbers, the first `delay` steps back. Every racer sees the same batches in
the same order in one job (the side-by-side recipe), and its validation score (accuracy, or R² for the
adding problem) is logged as `val_<racer>_accuracy` / `val_<racer>_r2`. A racer is one entry in RACERS.

A fair race: each racer's learning rate and start were chosen ONCE, for every delay and both tasks (pilot
runs in docs/benchmarks.md, "The long-memory race's settings"); every racer has the same gradient clipping,
the same number of epochs, the same data and the same seed. The gated layers start with their keeping gate
open (bias 5, as "chrono" initialisation does for long delays) and, the LSTM, its input gate closed (bias
-5), as the state-space layer starts with slowly fading memories: each layer starts as it is meant to be
used for long memory.

    state = RaceState(delay=95)
    ds = race_dataset(state)
    job = start_training(race_models(state, ds), ds, race_config(state))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from dlcore.data.catalogue import load
from dlcore.data.sequences import check_delay
from dlcore.errors import DataError, DlcoreError
from dlcore.params import Param
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.spec import ModelSpec
from dlcore.training import RecipeSpec, TrainConfig
from dlcore.training.recipe import register_recipe
from dlcore.training.side_by_side import side_by_side_kind


@dataclass(frozen=True)
class Racer:
    """One model in the race: its name on the charts, its learning rate (chosen once, for every delay and
    task) and its layers before the output layer, given the width (hidden units or model dimension)."""

    label: str
    colour: str
    lr: float
    layers: Callable[[int], list[dict]]


def _recurrent(kind: str, **start) -> Callable[[int], list[dict]]:
    return lambda width: [{"type": kind, "hidden_size": width, **start}]


def _transformer(width: int) -> list[dict]:
    return [
        {"type": "Linear", "out_features": width},
        {"type": "PositionalEncoding", "kind": "learned"},
        {"type": "TransformerEncoderLayer", "nhead": 2, "dim_feedforward": 2 * width, "dropout": 0.0},
        {"type": "Flatten"},
    ]


def _state_space(width: int) -> list[dict]:
    # The diagonal state-space layer is linear: what it outputs is a weighted sum of what it read, and the
    # adding problem needs a product (a number times its mark). So it reads each step through Linear + ReLU
    # first (relu(number + mark - 1) is the number where marked, else 0), as S4 and Mamba blocks read
    # features computed step by step; the recurrent layers' own steps are already nonlinear.
    return [
        {"type": "Linear", "out_features": width},
        {"type": "ReLU"},
        {"type": "DiagonalSSM", "hidden_size": width},
    ]


# The racers, in the charts' order. Adding a model to the race is one entry here. Learning rates: the best
# of 0.001, 0.003, 0.01 and 0.03 for each racer in the pilot runs (the LSTM's measured on seeds 0-4).
KEEP_GATE_OPEN = 5.0
# The LSTM's input gate starts as closed as its forget gate starts open (chrono initialisation): half open,
# PyTorch's start, it wrote half of every step's input into a memory that did not fade, which had drifted
# so far by the answer that tanh(cell) was flat there (no gradient) and the LSTM stayed at a coin toss.
RACERS: dict[str, Racer] = {
    "rnn": Racer("RNN", "#d62728", 0.003, _recurrent("RNN")),
    "lstm": Racer(
        "LSTM", "#1f77b4", 0.01, _recurrent("LSTM", forget_bias=KEEP_GATE_OPEN, input_bias=-KEEP_GATE_OPEN)
    ),
    "gru": Racer("GRU", "#2ca02c", 0.01, _recurrent("GRU", update_bias=KEEP_GATE_OPEN)),
    "transformer": Racer("Transformer", "#9467bd", 0.003, _transformer),
    "ssm": Racer("State space (S4D)", "#ff7f0e", 0.01, _state_space),
}
CLIP = 1.0  # every racer's gradients are clipped to this length before each step
RECIPE = register_recipe(
    side_by_side_kind(
        "memory_race",
        "Long-memory race",
        tuple(RACERS),
        lab="sequences",
        description="The Sequences page's race: the racers learn the same task from the same batches.",
    )
)


@dataclass(frozen=True)
class RaceTask:
    """A task the racers can race on: its dataset, the loss, the score on the accuracy-against-delay
    chart (its metric's name in the logs and how the chart names it), and the race it is run at when a
    student picks it (delay, length, epochs: where the pilot runs showed the claim, docs/benchmarks.md)."""

    dataset: str
    options: dict
    loss: str
    metric: str
    score: str
    race: dict


# recall: one of two tokens, marked, then noise (the recall dataset's default noise). The adding problem
# needs far more steps than recall: at a delay of 95 no racer learned it in 12 epochs, nor the recurrent
# ones at 10; at 45 of 50 steps the gated and state-space racers pass R² 0.9 within 40 epochs.
TASKS = {
    "recall": RaceTask(
        "recall",
        {"tokens": 2, "noise": 0.2},
        "cross_entropy",
        "accuracy",
        "accuracy",
        {"delay": 95, "length": 100, "epochs": 12},
    ),
    "adding": RaceTask("adding", {}, "mse", "r2", "R²", {"delay": 45, "length": 50, "epochs": 40}),
}
SEQUENCES = 1000
_RECALL = TASKS["recall"].race  # the race the tab opens with
PARAMS = (
    Param(
        "task",
        "choice",
        "recall",
        "recall: say which token was marked `delay` steps back. adding: add the two marked numbers, "
        "the first `delay` steps back. Picking a task sets the delay, length and epochs it races at.",
        choices=tuple(TASKS),
    ),
    Param(
        "delay",
        "int",
        _RECALL["delay"],
        "Steps between the (first) marked step and the answer.",
        min=1,
        max=199,
    ),
    Param("length", "int", _RECALL["length"], "Time steps in each sequence.", min=2, max=200),
    Param("width", "int", 32, "Hidden units of each racer (the transformer's model width).", min=4, max=64),
    Param("epochs", "int", _RECALL["epochs"], "Passes over the 700 training sequences.", min=1, max=500),
    Param("seed", "int", 0, "Seed of the data, the first weights and the batches.", min=0, max=10_000),
)


@dataclass(frozen=True)
class RaceState:
    """The race tab in one browser tab; replaced whole, never changed in place. Defaults: PARAMS'."""

    task: str = "recall"
    delay: int = _RECALL["delay"]
    length: int = _RECALL["length"]
    width: int = 32
    epochs: int = _RECALL["epochs"]
    seed: int = 0


def with_task(state: RaceState, task: str) -> RaceState:
    """The race on `task` at the delay, length and epochs that task races at; width and seed stay."""
    return replace(state, task=task, **TASKS[task].race)


def _check(state: RaceState) -> None:
    try:
        check_delay(state.length, state.delay)
    except DataError as err:
        raise DlcoreError(err.message, field="delay") from None


LINK = register_tab_link(param_link("race", RaceState, PARAMS, _check))


def race_dataset(state: RaceState):
    task = TASKS[state.task]
    return load(
        task.dataset,
        num_sequences=SEQUENCES,
        length=state.length,
        delay=state.delay,
        seed=state.seed,
        **task.options,
    )


def race_models(state: RaceState, ds) -> RecipeSpec:
    """A model per racer: its layers, then a Linear layer with the answer (a score per token, or the sum);
    each racer learns at its own rate."""
    return RecipeSpec(
        RECIPE.name,
        {
            key: ModelSpec.from_dict(
                {
                    "input_shape": list(ds.input_shape),
                    "layers": [
                        *racer.layers(state.width),
                        {"type": "Linear", "out_features": ds.num_classes or 1},
                    ],
                }
            )
            for key, racer in RACERS.items()
        },
        {f"{key}_lr": racer.lr for key, racer in RACERS.items()},
    )


def race_config(state: RaceState) -> TrainConfig:
    return TrainConfig(
        recipe=RECIPE.name,
        loss=TASKS[state.task].loss,
        epochs=state.epochs,
        batch_size=64,
        seed=state.seed,
        optimizer="adam",
        clip_grad_norm=CLIP,
    )


def racer_columns(table: pd.DataFrame | None, column: str, index: str) -> pd.DataFrame:
    """A column per racer (its `column` with "{racer}" filled in, e.g. "val_{racer}_accuracy") against
    `index` ("epoch" or "step"), from a race job's metrics; None (before any race): no rows."""
    columns = {column.format(racer=key): key for key in RACERS}
    if table is None or index not in table:
        return pd.DataFrame(columns=list(RACERS))
    present = [name for name in columns if name in table]
    return table.dropna(subset=present, how="all").set_index(index)[present].rename(columns=columns)


def racer_scores(epochs: pd.DataFrame | None, task: str) -> pd.DataFrame:
    """Each racer's validation score per epoch: accuracy, or R² for the adding problem."""
    return racer_columns(epochs, f"val_{{racer}}_{TASKS[task].metric}", "epoch")


def racer_losses(steps: pd.DataFrame | None) -> pd.DataFrame:
    """Each racer's training loss per step."""
    return racer_columns(steps, "train_{racer}_loss", "step")
