"""Side by side: several models learn the same task from the same batches, one step each in turn.

A lab that races models (the Sequences page's long-memory race: RNN, LSTM, GRU, a transformer) trains
them in ONE job with this recipe, so they see exactly the same data in the same order and every curve
moves at the same pace. Each role is trained as the supervised recipe trains one model; the logs carry
each role's numbers under its name (`lstm_loss`, `val_lstm_accuracy`), and "loss" is their mean. A role
may learn at its own rate (recipe option `<role>_lr`, e.g. `{"rnn_lr": 0.001}`; empty: the run's `lr`),
so that each model in a race can have the learning rate it does best with.

    register_recipe(side_by_side_kind("memory_race", "Memory race", ("rnn", "lstm"), lab="sequences"))
"""

from __future__ import annotations

from dataclasses import replace

import torch

from dlcore.optim import LEARNING_RATE
from dlcore.params import Param
from dlcore.training.recipe import RECIPES, Recipe, RecipeKind


class SideBySideRecipe(Recipe):
    """A supervised recipe per role, stepped in turn on each batch; `data` is shared."""

    def __init__(self, recipes: dict[str, Recipe]):
        self.recipes = recipes
        self.models = {role: r.models["model"] for role, r in recipes.items()}
        self.optimizers = {role: r.optimizers["model"] for role, r in recipes.items()}
        self.schedules = {role: r.schedules["model"] for role, r in recipes.items() if r.schedules}
        self.main_role = next(iter(recipes))
        self.log_names = ("loss", *(f"{role}_loss" for role in recipes))
        self.data = recipes[self.main_role].data

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        logs = {f"{role}_loss": recipe.step(x, y)["loss"] for role, recipe in self.recipes.items()}
        return {"loss": torch.stack(list(logs.values())).mean(), **logs}

    def train_scores(self, samples: int) -> dict[str, float]:
        return self._per_role(lambda recipe: recipe.train_scores(samples))

    def restart_scores(self) -> None:
        for recipe in self.recipes.values():
            recipe.restart_scores()

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        scores = self._per_role(lambda recipe: recipe.evaluate(x, y))
        losses = [scores[f"{role}_loss"] for role in self.recipes if f"{role}_loss" in scores]
        return {"loss": sum(losses) / len(losses), **scores} if losses else {}

    def _per_role(self, score) -> dict[str, float]:
        return {
            f"{role}_{name}": value for role, r in self.recipes.items() for name, value in score(r).items()
        }


def side_by_side_kind(name: str, title: str, roles: tuple[str, ...], *, lab: str, description: str = ""):
    """A recipe kind that trains a model per role in `roles` side by side on classification or regression
    data; `lab`: the page that offers it (the Train page does not)."""
    supervised = RECIPES.get("supervised")

    def check(specs, ds, cfg, options) -> None:
        for role in roles:
            supervised.check({"model": specs[role]}, ds, cfg, options)

    def build(models, ds, cfg, options, device) -> SideBySideRecipe:
        return SideBySideRecipe(
            {
                role: supervised.build({"model": models[role]}, ds, _own_rate(cfg, options, role), {}, device)
                for role in roles
            }
        )

    return RecipeKind(
        name=name,
        title=title,
        description=description or f"{', '.join(roles)} learn side by side from the same batches.",
        roles=roles,
        tasks=("binary", "multiclass", "regression"),
        check=check,
        build=build,
        params=tuple(_rate_param(role) for role in roles),
        lab=lab,
    )


def _rate_param(role: str) -> Param:
    bounds = LEARNING_RATE
    return Param(
        f"{role}_lr",
        "float",
        None,
        f"Learning rate of the {role} model (empty: the run's learning rate).",
        min=bounds.min,
        max=bounds.max,
        log=True,
        optional=True,
    )


def _own_rate(cfg, options, role: str):
    rate = options.get(f"{role}_lr")
    return cfg if rate is None else replace(cfg, lr=rate)
