"""Training: one loop (`fit`) for every kind of learning, each kind a recipe (see recipe.py).

Importing the package registers every recipe in `RECIPES`.
"""

# Each recipe module registers itself.
from dlcore.training import adversarial as adversarial
from dlcore.training import autoencoder as autoencoder
from dlcore.training import diffusion as diffusion
from dlcore.training import gan as gan
from dlcore.training import language as language
from dlcore.training import supervised as supervised
from dlcore.training.config import GLOBAL_RNG_LOCK, Callback, StopTraining, TrainConfig
from dlcore.training.loop import fit, steps_per_epoch
from dlcore.training.recipe import RECIPES, Recipe, RecipeKind, RecipeSpec, TrainData, make_recipe

__all__ = [
    "GLOBAL_RNG_LOCK",
    "RECIPES",
    "Callback",
    "Recipe",
    "RecipeKind",
    "RecipeSpec",
    "StopTraining",
    "TrainConfig",
    "TrainData",
    "fit",
    "make_recipe",
    "steps_per_epoch",
]
