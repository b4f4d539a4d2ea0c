"""The Generative page's engine: its state (data, family, each role's network), the families (autoencoder,
VAE, GAN, diffusion: one module each registers its `FamilyKind`), and the state turned into what
`dlcore.start_training` takes (`setup`).

    from dlcore import generative as gen
    state, problems = gen.from_query({"data": "digits", "family": "vae", "f.beta": "4"})
    ds = gen.load_data(state)
    job = dlcore.start_training(gen.models(state, ds), ds, gen.train_config(state))
"""

from dlcore.generative import autoencoder as autoencoder  # registers the autoencoder and the VAE
from dlcore.generative import diffusion as diffusion  # registers diffusion
from dlcore.generative import gan as gan  # registers the GAN
from dlcore.generative.families import FAMILY_KINDS, FamilyKind, RoleNet, family_options, register_family_kind
from dlcore.generative.setup import kind_of, load_data, mlp, models, options_of, run_part, train_config
from dlcore.generative.state import (
    BATCH,
    DATA,
    DATA_LABELS,
    IMAGE_DATA,
    OWN_POINTS,
    POINT_DATA,
    SEED,
    SETTINGS,
    GenerativeState,
    check_points,
    fitting,
    from_query,
    offered_data,
    points_from_csv,
    role_net,
    to_query,
    validate,
)

__all__ = [
    "BATCH",
    "DATA",
    "DATA_LABELS",
    "FAMILY_KINDS",
    "IMAGE_DATA",
    "OWN_POINTS",
    "POINT_DATA",
    "SEED",
    "SETTINGS",
    "FamilyKind",
    "GenerativeState",
    "RoleNet",
    "autoencoder",
    "diffusion",
    "gan",
    "check_points",
    "family_options",
    "fitting",
    "from_query",
    "kind_of",
    "load_data",
    "mlp",
    "models",
    "offered_data",
    "options_of",
    "points_from_csv",
    "register_family_kind",
    "role_net",
    "run_part",
    "to_query",
    "train_config",
    "validate",
]
