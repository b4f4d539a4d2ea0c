"""Datasets that work offline, ready for training, each with a picture to look at first.

    import dlcore.data as data
    data.names()                                  # the catalogue
    ds = data.load("spiral", noise=20, seed=0)    # a Dataset: ds.train, ds.val, ds.test = (inputs, targets)
    data.preview(ds)                              # a Plotly figure of the data
    data.from_csv("flowers.csv", target="species")

Families, one module each: toy2d (TF Playground-style points), tabular, images, sequences, tokens,
generative; csv for uploads; preview for the figures.
"""

from dlcore.data import images, tabular, toy2d  # noqa: F401  (importing a family registers its datasets)
from dlcore.data.catalogue import DatasetInfo, MultiChoiceParam, info, load, names, options
from dlcore.data.dataset import Dataset, Normalization, Split
from dlcore.data.images import augment_images
from dlcore.data.toy2d import FEATURES, featurize

__all__ = [
    "FEATURES",
    "Dataset",
    "DatasetInfo",
    "MultiChoiceParam",
    "Normalization",
    "Split",
    "augment_images",
    "featurize",
    "info",
    "load",
    "names",
    "options",
]
