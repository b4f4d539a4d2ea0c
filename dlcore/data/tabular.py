"""Tables of numbers: iris, wine and breast cancer (shipped inside scikit-learn, so offline).

`table_dataset` turns any feature matrix into a standardised Dataset; the CSV upload uses it too. The
bundled tables can also be left unscaled (`scale` off), to show how raw units slow training.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import torch

from dlcore.data.catalogue import dataset, split_params
from dlcore.data.dataset import Dataset, Normalization, split_dataset, split_indices
from dlcore.params import Param

SCALE = Param(
    "scale",
    "bool",
    True,
    "Standardise every feature to mean 0 and spread 1 (measured on the training split). Off: the raw "
    "measurements in their own units, some a thousand times larger than others.",
)


def table_dataset(
    name: str,
    features: np.ndarray,
    targets: np.ndarray,
    *,
    task: str,
    feature_names: list[str],
    class_names: list[str],
    description: str,
    train_fraction: float,
    val_fraction: float,
    seed: int,
    notes: list[str] | None = None,
    scale: bool = True,
) -> Dataset:
    """Features (N, F) -> standardised float32 inputs; class indices (N,) or regression values (N,).

    Statistics come from the training split only; `scale=False` keeps the inputs as they are.
    Regression targets are standardised as well (kept in `target_normalization`), so one recipe of
    learning rate and loss works whatever the units.
    """
    rng = np.random.default_rng(seed)
    classify = task != "regression"
    idx = split_indices(len(features), train_fraction, val_fraction, rng, targets if classify else None)
    inputs = torch.tensor(np.asarray(features, dtype=np.float32))
    train_rows = inputs[torch.as_tensor(idx.train)]
    norm = Normalization.fit(train_rows, dims=(0,)) if scale else Normalization.identity()
    target_norm = None
    if classify:
        y = torch.tensor(np.asarray(targets, dtype=np.int64))
    else:
        y = torch.tensor(np.asarray(targets, dtype=np.float32)).reshape(-1, 1)
        target_norm = Normalization.fit(y[torch.as_tensor(idx.train)], dims=(0,))
        y = target_norm.apply(y)
    return split_dataset(
        name,
        task,
        "tabular",
        norm.apply(inputs),
        y,
        idx,
        class_names=class_names if classify else (),
        description=description,
        feature_names=list(feature_names),
        normalization=norm,
        target_normalization=target_norm,
        notes=list(notes or []),
    )


@cache
def _sklearn_table(loader_name: str):
    """(features, labels, feature names, class names) from a loader bundled with scikit-learn."""
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, loader_name)()
    features = np.asarray(bunch.data, dtype=np.float32)
    features.flags.writeable = False  # shared between loads: never mutated
    classes = [str(c).replace("class_", "cultivar ") for c in bunch.target_names]  # wine says class_0, ...
    return features, np.asarray(bunch.target), list(bunch.feature_names), classes


def _register(name: str, loader_name: str, description: str):
    @dataset(
        name,
        "tabular",
        "multiclass" if name != "breast_cancer" else "binary",
        description,
        (SCALE, *split_params(0.6, 0.2)),
    )
    def build(scale, train_fraction, val_fraction, seed):
        features, labels, feature_names, class_names = _sklearn_table(loader_name)
        return table_dataset(
            name,
            features,
            labels,
            task="binary" if len(class_names) == 2 else "multiclass",
            feature_names=feature_names,
            class_names=class_names,
            description=description,
            train_fraction=train_fraction,
            val_fraction=val_fraction,
            seed=seed,
            scale=scale,
        )

    return build


_register(
    "iris",
    "load_iris",
    "150 iris flowers, 4 measurements (sepal and petal length and width in cm), 3 species.",
)
_register(
    "wine",
    "load_wine",
    "178 wines from three cultivars (grape varieties), 13 chemical measurements each: which cultivar?",
)
_register(
    "breast_cancer",
    "load_breast_cancer",
    "569 breast tissue samples, 30 measurements of cell nuclei: malignant or benign?",
)
