"""A Generative page state -> what `dlcore.start_training` takes: the dataset, a model spec per role, the
TrainConfig with the family's recipe. Shared by the page and the lessons' runner, so a claim trains exactly
what the page trains."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dlcore.data.catalogue import load
from dlcore.data.generative import from_points
from dlcore.generative.families import FAMILY_KINDS, FamilyKind, family_options
from dlcore.generative.state import OWN_POINTS, GenerativeState, role_net
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.training import TrainConfig

MAX_SECONDS = 1800.0  # the page trains until paused; a forgotten tab stops after half an hour


def load_data(state: GenerativeState):
    """The dataset the state trains on; DataError naming the field when it cannot be made (too few own
    points, a download that is not on this computer)."""
    if state.data == OWN_POINTS:
        return from_points([list(p) for p in state.points], val_fraction=0.0, seed=state.seed)
    return load(state.data, seed=state.seed, **state.data_options)


def kind_of(state: GenerativeState) -> FamilyKind:
    return FAMILY_KINDS[state.family]


def options_of(state: GenerativeState) -> dict[str, Any]:
    """The family's options, defaults filled in."""
    return family_options(kind_of(state), state.family_options)


def models(state: GenerativeState, ds) -> dict[str, ModelSpec]:
    """A model spec per role of the state's family, for dataset `ds`."""
    return kind_of(state).models(state, ds, options_of(state))


def train_config(state: GenerativeState, max_seconds: float = MAX_SECONDS, **overrides) -> TrainConfig:
    """The config: the family's recipe, the first role's learning rate and optimizer, until stopped."""
    kind = kind_of(state)
    lead = role_net(state, kind.roles[0])
    config = TrainConfig(
        loss="mse",
        optimizer=lead.optimizer,
        optimizer_options=dict(kind.optimizer_options.get(lead.optimizer, {})),
        lr=lead.lr,
        batch_size=state.batch,
        epochs=None,
        seed=state.seed,
        recipe=kind.recipe,
        recipe_options=kind.recipe_options(state, options_of(state)),
        max_seconds=max_seconds,
        metric_interval_s=0.1,
    )
    return replace(config, **overrides)


def run_part(state: GenerativeState) -> GenerativeState:
    """The state without the options that only change the views: what a run is started from."""
    view = kind_of(state).view_options
    return replace(state, family_options={k: v for k, v in state.family_options.items() if k not in view})


def mlp(
    input_shape: tuple[int, ...],
    net,
    out_features: int,
    *,
    first: list[LayerSpec] = (),
    last: list[LayerSpec] = (),
    out_name: str = "output",
    name: str = "",
) -> ModelSpec:
    """An MLP spec: `first` layers, `net.depth` hidden Linear + ReLU layers of `net.width`, a Linear to
    `out_features` named `out_name`, then `last` layers. The one network shape every family builds on."""
    layers = list(first)
    for i in range(1, net.depth + 1):
        layers += [
            LayerSpec("Linear", {"out_features": net.width}, name=f"hidden{i}"),
            LayerSpec("ReLU", {}, name=f"act{i}"),
        ]
    layers += [LayerSpec("Linear", {"out_features": out_features}, name=out_name), *last]
    return ModelSpec(tuple(input_shape), layers, name=name)
