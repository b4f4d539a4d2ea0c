"""The long-memory race: RNN, LSTM, GRU, a small transformer and a state-space layer learn one recall task.

The task (dataset "recall") marks one token and asks for it `delay` steps later. Every racer sees the same
batches in the same order in one job (the side-by-side recipe), and its validation accuracy is logged as
`val_<racer>_accuracy`. A racer is one entry in RACERS: the layers that read the sequence into a vector.

    state = RaceState(delay=30)
    ds = race_dataset(state)
    job = start_training(race_models(state, ds), ds, race_config(state))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dlcore.data.catalogue import load
from dlcore.data.sequences import check_recall_delay
from dlcore.errors import DataError, DlcoreError
from dlcore.params import Param
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.spec import ModelSpec
from dlcore.training import RecipeSpec, TrainConfig
from dlcore.training.recipe import register_recipe
from dlcore.training.side_by_side import side_by_side_kind


@dataclass(frozen=True)
class Racer:
    """One model in the race: its name on the charts and its layers before the output layer, given the
    width (hidden units or model dimension)."""

    label: str
    colour: str
    layers: Callable[[int], list[dict]]


def _recurrent(kind: str) -> Callable[[int], list[dict]]:
    return lambda width: [{"type": kind, "hidden_size": width}]


def _transformer(width: int) -> list[dict]:
    return [
        {"type": "Linear", "out_features": width},
        {"type": "PositionalEncoding", "kind": "learned"},
        {"type": "TransformerEncoderLayer", "nhead": 2, "dim_feedforward": 2 * width, "dropout": 0.0},
        {"type": "Flatten"},
    ]


# The racers, in the charts' order. Adding a model to the race is one entry here.
RACERS: dict[str, Racer] = {
    "rnn": Racer("RNN", "#d62728", _recurrent("RNN")),
    "lstm": Racer("LSTM", "#1f77b4", _recurrent("LSTM")),
    "gru": Racer("GRU", "#2ca02c", _recurrent("GRU")),
    "transformer": Racer("Transformer", "#9467bd", _transformer),
    "ssm": Racer("State space (S4D)", "#ff7f0e", _recurrent("DiagonalSSM")),
}
RECIPE = register_recipe(
    side_by_side_kind(
        "memory_race",
        "Long-memory race",
        tuple(RACERS),
        lab="sequences",
        description="The Sequences page's race: the racers learn the same recall task from the same batches.",
    )
)

# The race's task: one of two tokens, marked, then noise. Measured on 2 CPU cores (docs/benchmarks.md): the
# transformer finds the token at once at any delay; the recurrent layers must carry it through every step.
TOKENS, NOISE, SEQUENCES = 2, 0.3, 1000
PARAMS = (
    Param("delay", "int", 45, "Steps between the marked token and the question.", min=1, max=199),
    Param("length", "int", 50, "Time steps in each sequence.", min=2, max=200),
    Param("width", "int", 32, "Hidden units of each racer (the transformer's model width).", min=4, max=64),
    Param("epochs", "int", 36, "Passes over the 700 training sequences.", min=1, max=500),
    Param(
        "lr", "float", 0.005, "Adam's learning rate, the same for every racer.", min=1e-4, max=0.1, log=True
    ),
    Param("seed", "int", 0, "Seed of the data, the first weights and the batches.", min=0, max=10_000),
)


@dataclass(frozen=True)
class RaceState:
    """The race tab in one browser tab; replaced whole, never changed in place."""

    delay: int = 45
    length: int = 50
    width: int = 32
    epochs: int = 36
    lr: float = 0.01
    seed: int = 0


def _check(state: RaceState) -> None:
    try:
        check_recall_delay(state.length, state.delay)
    except DataError as err:
        raise DlcoreError(err.message, field="delay") from None


LINK = register_tab_link(param_link("race", RaceState, PARAMS, _check))


def race_dataset(state: RaceState):
    return load(
        "recall",
        num_sequences=1000,
        length=state.length,
        delay=state.delay,
        seed=state.seed,
        noise=NOISE,
        tokens=2,
    )


def race_models(state: RaceState, ds) -> RecipeSpec:
    """A model per racer: its layers, then a Linear layer scoring each token."""
    return RecipeSpec(
        RECIPE.name,
        {
            key: ModelSpec.from_dict(
                {
                    "input_shape": list(ds.input_shape),
                    "layers": [
                        *racer.layers(state.width),
                        {"type": "Linear", "out_features": ds.num_classes},
                    ],
                }
            )
            for key, racer in RACERS.items()
        },
    )


def race_config(state: RaceState) -> TrainConfig:
    return TrainConfig(
        recipe=RECIPE.name, lr=state.lr, epochs=state.epochs, batch_size=64, seed=state.seed, optimizer="adam"
    )


def racer_columns(table: pd.DataFrame | None, column: str, index: str) -> pd.DataFrame:
    """A column per racer (its `column` with "{racer}" filled in, e.g. "val_{racer}_accuracy") against
    `index` ("epoch" or "step"), from a race job's metrics; None (before any race): no rows."""
    columns = {column.format(racer=key): key for key in RACERS}
    if table is None or index not in table:
        return pd.DataFrame(columns=list(RACERS))
    present = [name for name in columns if name in table]
    return table.dropna(subset=present, how="all").set_index(index)[present].rename(columns=columns)


def racer_accuracies(epochs: pd.DataFrame | None) -> pd.DataFrame:
    """Each racer's validation accuracy per epoch."""
    return racer_columns(epochs, "val_{racer}_accuracy", "epoch")


def racer_losses(steps: pd.DataFrame | None) -> pd.DataFrame:
    """Each racer's training loss per step."""
    return racer_columns(steps, "train_{racer}_loss", "step")
