"""The engine side of the Generative page's families: one `FamilyKind` per family, registered by its module.

A family says which recipe trains it (dlcore/training/: autoencoder, vae, gan, diffusion), its roles, the
data it fits, its own options (Params, kept in the state's `family_options`), each role's default network,
and how the state becomes a model spec per role and the recipe's options. `dlcore.generative.setup` turns a
state into what `start_training` takes; the page's views are the family's (ui/generative/<key>.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlcore.params import Param


@dataclass(frozen=True)
class RoleNet:
    """One role's network (an MLP: `depth` hidden layers of `width`) and how it learns."""

    width: int = 64
    depth: int = 2
    lr: float = 1e-3
    optimizer: str = "adam"


@dataclass(frozen=True)
class FamilyKind:
    """One family of generative model.

    models(state, ds, options) -> {role: ModelSpec}: the networks, from each role's RoleNet (`role_net`) and
        the family's options (coerced, defaults filled in);
    recipe_options(state, options) -> the recipe's own options (e.g. {"beta": ...});
    shared_optimizer: the recipe trains all roles with one optimizer (the first role's learning rate and
        optimizer), so the page shows those settings once;
    view_options: the names of options that only change what the views show (a change keeps the run).
    optimizer_options: by optimizer name, the settings the family trains with ({"adam": {"beta1": 0.5}}).
    """

    key: str
    title: str
    recipe: str
    roles: tuple[str, ...]
    models: Callable[..., dict]
    data: tuple[str, ...] = ("points", "images")
    params: tuple[Param, ...] = ()
    defaults: Mapping[str, RoleNet] = field(default_factory=dict)
    recipe_options: Callable[..., dict[str, Any]] = lambda state, options: {}
    shared_optimizer: bool = False
    view_options: tuple[str, ...] = ()
    optimizer_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


FAMILY_KINDS: dict[str, FamilyKind] = {}


def register_family_kind(kind: FamilyKind) -> FamilyKind:
    if kind.key in FAMILY_KINDS:
        raise ValueError(f"the generative family {kind.key!r} is registered twice")
    FAMILY_KINDS[kind.key] = kind
    return kind


def family_options(kind: FamilyKind, chosen: Mapping[str, Any]) -> dict[str, Any]:
    """The family's options with their defaults filled in (the state holds only those changed)."""
    return {p.name: p.coerce(chosen.get(p.name, p.default)) for p in kind.params}
