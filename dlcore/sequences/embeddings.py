"""The embedding projector: any layer's activations (or an Embedding layer's learned vectors) squeezed to
two dimensions with PCA or t-SNE, one point per input (or per token), coloured by its class (or token).

    layers = projectable(model)                       # ["embedding vectors", "memory", "output", ...]
    points = projection(model, ds, "memory", "tsne")  # Projection: xy (N, 2), labels, hovers
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from threadpoolctl import threadpool_limits
from torch import nn

from dlcore.errors import DlcoreError, excerpt
from dlcore.inspect import layer_outputs, leaf_layers
from dlcore.params import Param
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.sequences.race import RACERS

METHODS = ("pca", "tsne")
EMBEDDING_VECTORS = "embedding vectors"  # the learned rows of an Embedding layer, one per token
SOURCES = ("memory", *RACERS)  # the memory tab's model, or one racer of the race

PARAMS = (
    Param("source", "choice", "memory", "Whose model: the memory tab's, or a racer's.", choices=SOURCES),
    Param("layer", "str", "", "The layer whose outputs are projected (empty: the one the output reads)."),
    Param(
        "method",
        "choice",
        "pca",
        "pca: the two directions of most spread; tsne: keeps neighbours close.",
        choices=METHODS,
    ),
    Param("points", "int", 300, "How many test inputs to project.", min=20, max=1000),
)


@dataclass(frozen=True)
class EmbeddingsState:
    source: str = "memory"
    layer: str = ""
    method: str = "pca"
    points: int = 300


LINK = register_tab_link(param_link("embeddings", EmbeddingsState, PARAMS))


@dataclass(frozen=True)
class Projection:
    """xy: (N, 2) the points; labels: each point's class or token (its colour); hovers: what a hover says."""

    xy: np.ndarray
    labels: list[str]
    hovers: list[str]
    what: str


def projectable(model: nn.Module) -> list[str]:
    """What can be projected: an Embedding layer's vectors (if the model has one), every layer's output."""
    names = [name for name, _ in leaf_layers(model)]
    has_embedding = any(isinstance(m, nn.Embedding) for m in model.modules())
    return [EMBEDDING_VECTORS, *names] if has_embedding else names


def default_layer(model: nn.Module) -> str:
    """The layer the output layer reads (the model's last representation)."""
    names = projectable(model)
    return names[-2] if len(names) > 1 else names[-1]


def vectors(model: nn.Module, ds, layer: str, points: int) -> tuple[torch.Tensor, list[str], list[str]]:
    """(N, D) vectors of `layer` with each one's label and hover text. A sequence layer's output is taken at
    its last step (what the next layer reads to answer)."""
    if layer == EMBEDDING_VECTORS:
        weight = next(m for m in model.modules() if isinstance(m, nn.Embedding)).weight.detach().cpu()
        names = (
            list(ds.class_names)
            if len(ds.class_names) == len(weight)
            else [str(i) for i in range(len(weight))]
        )
        return weight, names, [f"token {name}" for name in names]
    if layer not in projectable(model):
        raise DlcoreError(
            f"this model has no layer {excerpt(layer)} ({', '.join(projectable(model))})", field="layer"
        )
    x, y = ds.test[0][:points], ds.test[1][:points]
    was_training = model.training
    model.eval()
    try:
        out = layer_outputs(model, x)[layer]
    finally:
        model.train(was_training)
    if out.dim() == 3:  # (N, L, H): the last step
        out = out[:, -1]
    names = [ds.class_names[int(t)] if ds.class_names else str(int(t)) for t in y.reshape(len(y), -1)[:, 0]]
    return out.reshape(len(out), -1), names, [f"test input {i}: {name}" for i, name in enumerate(names)]


def project(values: torch.Tensor, method: str, seed: int = 0) -> np.ndarray:
    """(N, D) -> (N, 2) by PCA or t-SNE (scikit-learn), the same every time for the same seed."""
    data = values.double().numpy()
    if data.shape[1] < 2:  # one number per point: spread it along x
        return np.column_stack([data[:, 0], np.zeros(len(data))])
    if method == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(data)
    perplexity = min(30.0, (len(data) - 1) / 3)
    # One thread: on a busy 2-core server t-SNE's thread pool took 57 s for 200 points, one thread 2.4 s.
    with threadpool_limits(1):
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(data)


def projection(model: nn.Module, ds, layer: str, method: str, points: int = 300) -> Projection:
    values, labels, hovers = vectors(model, ds, layer, points)
    return Projection(project(values, method), labels, hovers, f"{layer}, {method.upper()}")
