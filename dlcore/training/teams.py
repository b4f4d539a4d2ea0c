"""One model for a recipe of several roles: how a single spec becomes the recipe's spec per role.

A student builds an autoencoder as one network and marks its bottleneck by naming a layer 'code'; the
autoencoder recipes train it as the encoder (up to 'code') and the decoder (after it). A recipe not in
this table needs a model for each of its roles (a GAN's generator and discriminator).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from dlcore.spec import ModelSpec
from dlcore.training.autoencoder import split_at_code

ONE_MODEL_SPLITS: dict[str, Callable[[ModelSpec], dict[str, ModelSpec]]] = {
    "autoencoder": split_at_code,
    "vae": partial(split_at_code, variational=True),
}


def splits_one_model(recipe: str) -> bool:
    """Whether `recipe` trains one model cut into its roles (else it needs a model per role)."""
    return recipe in ONE_MODEL_SPLITS


def roles_of_one_model(recipe: str, spec: ModelSpec | dict) -> dict[str, ModelSpec]:
    """`spec` as `recipe`'s models by role (SpecError, with the fix, when it cannot be cut that way)."""
    return ONE_MODEL_SPLITS[recipe](spec)
