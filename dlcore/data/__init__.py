"""Datasets that work offline, ready for training, each with a picture to look at first.

    import dlcore.data as data
    data.names()                                  # the catalogue
    ds = data.load("spiral", noise=20, seed=0)    # a Dataset: ds.train, ds.val, ds.test = (inputs, targets)
    data.from_csv("flowers.csv", target="species")

Families, one module each: toy2d (TF Playground-style points), tabular, images, sequences, tokens,
generative; csv for uploads; projection for a 2-D view of the points (dlcore.plots.dataset_preview
draws a dataset).
"""

# Importing a family registers its datasets; names() lists them family by family.
from dlcore.data import downloads, generative, images, sequences, tabular, tokens, toy2d  # noqa: F401
from dlcore.data.catalogue import DatasetInfo, MultiChoiceParam, info, load, names, options
from dlcore.data.csv import csv_columns, from_csv
from dlcore.data.dataset import HOLDOUT, Dataset, Normalization, Split
from dlcore.data.generative import from_points
from dlcore.data.images import augment_images
from dlcore.data.tokens import decode
from dlcore.data.toy2d import FEATURES, featurize
from dlcore.errors import DataError

__all__ = [
    "FEATURES",
    "HOLDOUT",
    "DataError",
    "Dataset",
    "DatasetInfo",
    "MultiChoiceParam",
    "Normalization",
    "Split",
    "augment_images",
    "csv_columns",
    "decode",
    "featurize",
    "from_csv",
    "from_points",
    "info",
    "load",
    "names",
    "options",
]
