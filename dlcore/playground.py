"""The 2-D playground as plain data, and what its views need from a model.

A `Playground` holds every control of the page (dataset, noise, features, hidden layers, activations,
learning rate, ...) as frozen, JSON-friendly values. It turns into the engine's own objects
(`model_spec`, `dataset_options`, `train_config`) and into URL query parameters and back
(`to_query` / `from_query`), so a shared link rebuilds exactly the same network and data, seed included.

The views read a trained model through `neuron_maps` (every neuron's output over the input plane, from
one batched forward pass with hooks), `network_weights` (the edges) and `evaluate` (train/test loss).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from dlcore.data import featurize, load
from dlcore.data.csv import read_csv
from dlcore.errors import DataError, DlcoreError
from dlcore.jobs import start_training
from dlcore.optim import INITIALISERS, LEARNING_RATE, LOSSES, OPTIMIZERS, WEIGHT_DECAY, make_loss
from dlcore.params import Param
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.tasks import suited_losses
from dlcore.training import TrainConfig

EXTENT = 6.0  # the plane is [-EXTENT, EXTENT]², like TF Playground's
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
FEATURE_LABELS = {
    "x1": "X₁",
    "x2": "X₂",
    "x1^2": "X₁²",
    "x2^2": "X₂²",
    "x1*x2": "X₁X₂",
    "sin(x1)": "sin(X₁)",
    "sin(x2)": "sin(X₂)",
}
# activation -> the layer type that computes it (None: no activation layer, the neuron is linear)
ACTIVATIONS: dict[str, str | None] = {
    "tanh": "Tanh",
    "relu": "ReLU",
    "sigmoid": "Sigmoid",
    "linear": None,
    "leaky_relu": "LeakyReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU",
}

# The playground's datasets by problem type; "points" is the user's own (clicked or uploaded) points.
CLASSIFICATION = ("circle", "xor", "gaussian", "spiral", "moons", "blobs", "multi_spiral", "points")
REGRESSION = ("plane", "multi_gaussian")
DATASETS = CLASSIFICATION + REGRESSION
DATASET_LABELS = {
    "circle": "Circle",
    "xor": "Exclusive or",
    "gaussian": "Gaussian",
    "spiral": "Spiral",
    "moons": "Moons",
    "blobs": "Blobs (3–5 classes)",
    "multi_spiral": "Spiral arms (3–5 classes)",
    "points": "Your own points",
    "plane": "Plane",
    "multi_gaussian": "Multi-Gaussian",
}
MULTICLASS_OPTION = {"blobs": "classes", "multi_spiral": "arms"}  # dataset -> its class-count option
# How the page's networks start: Kaiming/He uniform weights with PyTorch's random biases measured best on
# TF Playground's own problems (docs/benchmarks.md, scripts/bench_playground_init.py). PyTorch's default
# left xor stuck from two of three seeds and six ReLU layers dead on the spiral; zero biases (plain
# "kaiming") start every boundary through the origin and left the circle stuck from some seeds.
DEFAULT_INIT = "kaiming_uniform"
MAX_POINTS = 500  # own points: as many as a generated set, and what a chart redraws smoothly
MAX_CLASSES = 5


@dataclass(frozen=True)
class Limits:
    """How big a network the controls allow. "standard" matches TF Playground; "loose" is on request."""

    max_layers: int
    max_neurons: int


LIMITS = {"standard": Limits(6, 8), "loose": Limits(10, 16)}

# Controls a teacher can hide in classroom mode: URL name -> what the student would have seen.
CONTROLS = {
    "problem": "Problem type",
    "dataset": "Dataset",
    "ratio": "Train/test ratio",
    "noise": "Noise",
    "batch": "Batch size",
    "regenerate": "Regenerate button",
    "points": "Your own points",
    "features": "Input features",
    "layers": "Hidden layers +/−",
    "neurons": "Neurons +/−",
    "act": "Activation",
    "lr": "Learning rate",
    "reg": "Regularisation",
    "rate": "Regularisation rate",
    "opt": "Optimizer",
    "loss": "Loss",
    "init": "Weight initialisation",
    "edit": "Editing weights",
    "compare": "A/B comparison",
    "showtest": "Show test data",
    "discretize": "Discretize output",
    "grads": "Gradient norms",
    "presets": "Lessons menu",
}


@dataclass(frozen=True)
class Network:
    """One network and how it trains: the half of the page that an A/B comparison duplicates."""

    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activations: tuple[str, ...] = ("tanh", "tanh")  # one per hidden layer
    learning_rate: float = 0.03
    optimizer: str = "sgd"
    loss: str = "auto"  # auto: cross_entropy for classification, mse for regression
    init: str = DEFAULT_INIT
    regularization: str = "none"  # none, l1, l2
    reg_rate: float = 0.0
    batch_size: int = 10

    @property
    def activation(self) -> str:
        """The activation shown in the main selector: the first layer's (all layers' unless mixed)."""
        return self.activations[0] if self.activations else "tanh"

    def with_activation(self, activation: str) -> Network:
        return replace(self, activations=(activation,) * len(self.hidden))

    def add_layer(self, limits: Limits) -> Network:
        if len(self.hidden) >= limits.max_layers:
            return self
        return replace(self, hidden=self.hidden + (2,), activations=self.activations + (self.activation,))

    def remove_layer(self) -> Network:
        return replace(self, hidden=self.hidden[:-1], activations=self.activations[:-1])

    def resize_layer(self, index: int, delta: int, limits: Limits) -> Network:
        widths = list(self.hidden)
        widths[index] = min(limits.max_neurons, max(1, widths[index] + delta))
        return replace(self, hidden=tuple(widths))


@dataclass(frozen=True)
class Playground:
    """Everything on the playground page, as plain values. Defaults are TF Playground's first screen."""

    dataset: str = "circle"
    noise: int = 0  # percent
    train_ratio: int = 50  # percent of the points used for training; the rest is the test set
    classes: int = 3  # for multiclass datasets
    seed: int = 0
    points: tuple[tuple[float, float, int], ...] = ()  # own points (x1, x2, class)
    a: Network = field(default_factory=Network)
    b: Network | None = None  # the second network of an A/B comparison
    show_test: bool = False
    discretize: bool = False
    hidden_controls: tuple[str, ...] = ()  # classroom mode
    limits: str = "standard"

    @property
    def task(self) -> str:
        """ "binary", "multiclass" or "regression"."""
        if self.dataset in REGRESSION:
            return "regression"
        if self.dataset in MULTICLASS_OPTION:
            return "multiclass"
        if self.dataset == "points":
            return "multiclass" if len({p[2] for p in self.points}) > 2 else "binary"
        return "binary"

    @property
    def problem(self) -> str:
        return "regression" if self.task == "regression" else "classification"

    @property
    def limit(self) -> Limits:
        return LIMITS[self.limits]

    def networks(self) -> dict[str, Network]:
        """ "A" (and "B" when comparing) -> its network."""
        return {"A": self.a} if self.b is None else {"A": self.a, "B": self.b}

    def with_network(self, side: str, network: Network) -> Playground:
        return replace(self, **{"a" if side == "A" else "b": network})

    def hides(self, control: str) -> bool:
        return control in self.hidden_controls


# --- the controls, described once: range, default and help for the widgets, the URL and the checks ----
def network_params() -> dict[str, Param]:
    """The settings of one network. Bounds are the engine's (what the page sends is what it trains);
    optimizers, losses and initialisers are read from the engine's registries at each call, so one
    registered later is offered too."""
    return {
        "lr": replace(LEARNING_RATE, default=0.03),
        "batch": Param("batch", "int", 10, "Batch size: points per weight update.", 1, 500),
        # weight_decay and l1 share the engine's bound
        "rate": replace(
            WEIGHT_DECAY, name="rate", help="Regularisation rate: how hard large weights are pulled to 0."
        ),
        "reg": Param(
            "reg",
            "choice",
            "none",
            "Regularisation: L1 and L2 penalise large weights.",
            choices=("none", "l1", "l2"),
        ),
        "opt": Param(
            "opt",
            "choice",
            "sgd",
            "Optimizer: plain SGD is TF Playground's; momentum and Adam usually train faster.",
            choices=tuple(OPTIMIZERS.names()),
        ),
        "init": Param(
            "init",
            "choice",
            DEFAULT_INIT,
            "How the weights start before training.",
            choices=tuple(INITIALISERS.names()),
        ),
        "loss": Param(
            "loss",
            "choice",
            "auto",
            "Loss: what training minimises (auto = cross-entropy for classes, MSE for regression).",
            choices=("auto", *dict.fromkeys(losses_for("binary") + losses_for("regression"))),
        ),
    }


def losses_for(task: str) -> list[str]:
    """The engine's losses a playground network can train with on `task`, the default first. Its
    networks end in one raw score per class (cross-entropy's logits) or in one value (regression)."""
    if task == "regression":
        return [name for name in suited_losses(task) if LOSSES.get(name).extra["expects"] == "values"]
    return [
        name
        for name in suited_losses(task)
        if LOSSES.get(name).extra["expects"] == "logits" and LOSSES.get(name).extra.get("class_targets")
    ]


def choice_label(control: str, name: str) -> str:
    """How a menu shows an optimizer ("opt"), loss or initialiser: the engine's own title for it."""
    if name == "auto":
        return "Auto"
    registry = {"opt": OPTIMIZERS, "loss": LOSSES, "init": INITIALISERS}[control]
    return registry.get(name).label


DATA_PARAMS = {
    "noise": Param("noise", "int", 0, "Noise in percent: how far points stray from the pattern.", 0, 50),
    "ratio": Param("ratio", "int", 50, "Share of the points used for training, in percent.", 10, 90),
    "classes": Param("classes", "int", 3, "How many classes (blobs or spiral arms).", 3, MAX_CLASSES),
    "seed": Param("seed", "int", 0, "Random seed of the data and the starting weights.", 0, 2**31 - 1),
}


def loss_name(state: Playground, network: Network) -> str:
    """The loss actually used: "auto" resolved for the problem type."""
    if network.loss != "auto":
        return network.loss
    return losses_for(state.task)[0]


def num_outputs(state: Playground) -> int:
    if state.task == "regression":
        return 1
    if state.dataset in MULTICLASS_OPTION:
        return state.classes
    if state.dataset == "points":
        return max(2, max((p[2] for p in state.points), default=1) + 1)
    return 2


def validate(state: Playground) -> None:
    """Raise DlcoreError (naming the field) for anything the page cannot build or train."""
    if state.dataset not in DATASETS:
        raise DataError(
            f"unknown dataset {state.dataset!r}: choose one of {', '.join(DATASETS)}", field="dataset"
        )
    if state.limits not in LIMITS:
        raise DlcoreError(f"limits must be one of {', '.join(LIMITS)}", field="limits")
    for name, value in (("noise", state.noise), ("ratio", state.train_ratio), ("classes", state.classes)):
        _check(DATA_PARAMS[name], value)
    if state.dataset == "points":
        check_points(state.points)
    for side, net in state.networks().items():
        _validate_network(net, state.limit, side)


def _validate_network(net: Network, limits: Limits, side: str) -> None:
    where = f"Network {side}: " if side == "B" else ""
    if not net.features:
        raise DlcoreError(f"{where}turn on at least one input feature (x1, x2, ...)", field="features")
    unknown = [f for f in net.features if f not in FEATURES]
    if unknown:
        raise DlcoreError(
            f"{where}unknown feature {unknown[0]!r}: choose from {', '.join(FEATURES)}", field="features"
        )
    if len(net.hidden) > limits.max_layers:
        raise DlcoreError(
            f"{where}{len(net.hidden)} hidden layers is more than the limit of {limits.max_layers}: "
            "remove some, or switch on looser limits",
            field="layers",
        )
    for i, width in enumerate(net.hidden, 1):
        if not 1 <= width <= limits.max_neurons:
            raise DlcoreError(
                f"{where}hidden layer {i} has {width} neurons; it needs 1 to {limits.max_neurons}",
                field="neurons",
            )
    if len(net.activations) != len(net.hidden):
        raise DlcoreError(f"{where}give one activation per hidden layer", field="act")
    for act in net.activations:
        if act not in ACTIVATIONS:
            raise DlcoreError(
                f"{where}unknown activation {act!r}: choose from {', '.join(ACTIVATIONS)}", field="act"
            )
    params = network_params()
    for key, value in (
        ("lr", net.learning_rate),
        ("batch", net.batch_size),
        ("rate", net.reg_rate),
        ("reg", net.regularization),
        ("opt", net.optimizer),
        ("init", net.init),
        ("loss", net.loss),
    ):
        try:
            params[key].coerce(value)
        except ValueError as err:
            raise DlcoreError(where + str(err), field=key) from None


def _check(param: Param, value: Any) -> Any:
    try:
        return param.coerce(value)
    except ValueError as err:
        raise DlcoreError(str(err), field=param.name) from None


# --- to the engine's own objects ---------------------------------------------------------------------
def model_spec(state: Playground, network: Network):
    """The network as a ModelSpec: Linear "hiddenK" + activation "actK" per hidden layer, Linear "output".

    Binary problems get two outputs (one logit per class) so cross-entropy and softmax work the same
    for two classes as for five; the boundary shows p(class 1) - p(class 0).
    """
    layers = []
    for i, (width, act) in enumerate(zip(network.hidden, network.activations, strict=True), 1):
        layers.append(LayerSpec("Linear", {"out_features": width}, name=f"hidden{i}"))
        if ACTIVATIONS[act] is not None:
            layers.append(LayerSpec(ACTIVATIONS[act], {}, name=f"act{i}"))
    layers.append(LayerSpec("Linear", {"out_features": num_outputs(state)}, name="output"))
    return ModelSpec((len(network.features),), layers, name="playground", init=network.init)


def dataset_options(state: Playground, network: Network) -> dict[str, Any]:
    """Options for `dlcore.data.load(state.dataset, ...)`: no validation split, like TF Playground."""
    options = {
        "noise": state.noise,
        "train_fraction": state.train_ratio / 100,
        "val_fraction": 0.0,
        "seed": state.seed,
        "features": list(network.features),
    }
    if state.dataset in MULTICLASS_OPTION:
        options[MULTICLASS_OPTION[state.dataset]] = state.classes
    return options


def train_config(state: Playground, network: Network, max_seconds: float = 1800):
    """The TrainConfig: trains until stopped (epochs=None), regularisation mapped to weight_decay / l1."""
    rate = network.reg_rate
    return TrainConfig(
        loss=loss_name(state, network),
        optimizer=network.optimizer,
        lr=network.learning_rate,
        batch_size=network.batch_size,
        epochs=None,
        weight_decay=rate if network.regularization == "l2" else 0.0,
        l1=rate if network.regularization == "l1" else 0.0,
        seed=state.seed,
        max_seconds=max_seconds,
        metric_interval_s=0.1,
    )


def model_key(state: Playground, network: Network) -> tuple:
    """What a fresh network depends on: change any of it and training starts again from new weights."""
    data = (state.dataset, state.noise, state.train_ratio, state.seed, state.points)
    data += (state.classes,) if state.dataset in MULTICLASS_OPTION else ()
    return data + (network.features, network.hidden, network.activations, network.init)


def training_key(state: Playground, network: Network) -> tuple:
    """What only changes how training continues (the learned weights are kept)."""
    return (
        network.learning_rate,
        network.optimizer,
        loss_name(state, network),
        network.regularization,
        network.reg_rate,
        network.batch_size,
    )


# --- the URL ---------------------------------------------------------------------------------------
def to_query(state: Playground) -> dict[str, str]:
    """Every setting as short, readable query parameters; network B only where it differs from A."""
    q = {"dataset": state.dataset, "noise": str(state.noise), "ratio": str(state.train_ratio)}
    if state.dataset in MULTICLASS_OPTION:
        q["classes"] = str(state.classes)
    q["seed"] = str(state.seed)
    if state.points:
        q["points"] = encode_points(state.points)
    q.update(_network_query(state.a))
    if state.b is not None:
        q["compare"] = "1"
        ours = _network_query(state.b)
        theirs = _network_query(state.a)
        q.update({f"b.{k}": v for k, v in ours.items() if theirs.get(k) != v})
    if state.show_test:
        q["showtest"] = "1"
    if state.discretize:
        q["discretize"] = "1"
    if state.hidden_controls:
        q["hide"] = ",".join(state.hidden_controls)
    if state.limits != "standard":
        q["limits"] = state.limits
    return q


NETWORK_KEYS = ("features", "layers", "act", "lr", "opt", "loss", "init", "reg", "rate", "batch")
# Every parameter a playground link may hold (network B's with a "b." prefix)
LINK_KEYS = frozenset(
    ("dataset", "noise", "ratio", "classes", "seed", "points", "compare", "showtest", "discretize")
    + ("hide", "limits")
    + NETWORK_KEYS
    + tuple(f"b.{key}" for key in NETWORK_KEYS)
)


def _network_query(net: Network) -> dict[str, str]:
    acts = set(net.activations)
    return {
        "features": ",".join(net.features),
        "layers": ",".join(str(w) for w in net.hidden) or "none",
        "act": net.activation if len(acts) <= 1 else ",".join(net.activations),
        "lr": f"{net.learning_rate:g}",
        "opt": net.optimizer,
        "loss": net.loss,
        "init": net.init,
        "reg": net.regularization,
        "rate": f"{net.reg_rate:g}",
        "batch": str(net.batch_size),
    }


def from_query(query: Mapping[str, Any]) -> tuple[Playground, list[str]]:
    """Read a state from query parameters. Bad or unknown values keep their default and are reported
    (the second item: one sentence per problem), so a mistyped link still opens a working page."""
    q = {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}
    problems: list[str] = []
    defaults = Playground()

    def read(key: str, param: Param, default: Any) -> Any:
        if key not in q:
            return default
        try:
            return param.coerce(q[key])
        except ValueError as err:
            problems.append(f"Link: {err}; using {default}.")
            return default

    dataset = q.get("dataset", defaults.dataset)
    if dataset not in DATASETS:
        problems.append(f"Link: unknown dataset {dataset!r}; using {defaults.dataset}.")
        dataset = defaults.dataset
    limits = q.get("limits", "standard")
    if limits not in LIMITS:
        problems.append(f"Link: limits must be {' or '.join(LIMITS)}; using standard.")
        limits = "standard"
    points: tuple = ()
    if "points" in q:
        try:
            points = decode_points(q["points"])
        except DataError as err:
            problems.append(f"Link: {err}")
    hidden = tuple(c for c in str(q.get("hide", "")).split(",") if c)
    unknown = [c for c in hidden if c not in CONTROLS]
    if unknown:
        problems.append(f"Link: cannot hide unknown control(s) {', '.join(unknown)}.")
    a = _read_network(q, "", Network(), LIMITS[limits], problems)
    b = _read_network(q, "b.", a, LIMITS[limits], problems) if _flag(q.get("compare")) else None
    state = Playground(
        dataset=dataset,
        noise=read("noise", DATA_PARAMS["noise"], defaults.noise),
        train_ratio=read("ratio", DATA_PARAMS["ratio"], defaults.train_ratio),
        classes=read("classes", DATA_PARAMS["classes"], defaults.classes),
        seed=read("seed", DATA_PARAMS["seed"], defaults.seed),
        points=points,
        a=a,
        b=b,
        show_test=_flag(q.get("showtest")),
        discretize=_flag(q.get("discretize")),
        hidden_controls=tuple(c for c in hidden if c in CONTROLS),
        limits=limits,
    )
    return state, problems


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def _read_network(q: dict, prefix: str, base: Network, limits: Limits, problems: list[str]) -> Network:
    side = "network B" if prefix else "network"

    def get(key: str) -> str | None:
        return q.get(prefix + key)

    values: dict[str, Any] = {}
    if get("features") is not None:
        features = tuple(dict.fromkeys(f for f in get("features").split(",") if f))
        if features and all(f in FEATURES for f in features):
            values["features"] = features
        else:
            problems.append(
                f"Link: {side} features must be some of {', '.join(FEATURES)}; kept {','.join(base.features)}"
            )
    hidden = base.hidden
    if get("layers") is not None:
        try:
            text = get("layers")
            hidden = () if text in ("none", "") else tuple(int(w) for w in text.split(","))
            if len(hidden) > limits.max_layers or any(not 1 <= w <= limits.max_neurons for w in hidden):
                raise ValueError
            values["hidden"] = hidden
        except ValueError:
            problems.append(
                f"Link: {side} layers must be up to {limits.max_layers} sizes of 1 to {limits.max_neurons} "
                f"neurons, e.g. 4,2; kept {','.join(map(str, base.hidden)) or 'none'}."
            )
            hidden = base.hidden
    acts = [a for a in (get("act") or "").split(",") if a]
    if acts and all(a in ACTIVATIONS for a in acts) and len(acts) in (1, len(hidden)):
        values["activations"] = tuple(acts) * len(hidden) if len(acts) == 1 else tuple(acts)
    else:
        if acts:
            problems.append(
                f"Link: {side} activation must be one of {', '.join(ACTIVATIONS)} (or one per layer)."
            )
        # keep the base's activations, or its first one on every layer when the layer count changed
        same = len(base.activations) == len(hidden)
        values["activations"] = base.activations if same else (base.activation,) * len(hidden)
    fields = {
        "lr": "learning_rate",
        "batch": "batch_size",
        "rate": "reg_rate",
        "reg": "regularization",
        "opt": "optimizer",
        "init": "init",
        "loss": "loss",
    }
    params = network_params()
    for key, attr in fields.items():
        if get(key) is None:
            continue
        try:
            values[attr] = params[key].coerce(get(key))
        except ValueError as err:
            problems.append(f"Link: {side} {err}; kept {getattr(base, attr)}.")
    return replace(base, **values)


def encode_points(points: Sequence[tuple[float, float, int]]) -> str:
    """Own points, 3 bytes each (x and y to 0.1, the class), as URL-safe base64."""
    raw = bytearray()
    for x, y, label in points:
        raw += bytes([round(x * 10) & 0xFF, round(y * 10) & 0xFF, int(label)])
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def decode_points(text: str) -> tuple[tuple[float, float, int], ...]:
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except ValueError:
        raise DataError("the points in the link are damaged; they were left out", field="points") from None
    if len(raw) % 3:
        raise DataError("the points in the link are damaged; they were left out", field="points")
    signed = np.frombuffer(raw, dtype=np.int8).reshape(-1, 3)
    points = tuple((float(x) / 10, float(y) / 10, int(c) & 0xFF) for x, y, c in signed.tolist())
    check_points(points)
    return points


def check_points(points: Sequence[tuple[float, float, int]]) -> None:
    """Own points must lie on the plane, use classes 0..4 and be at most MAX_POINTS."""
    if len(points) > MAX_POINTS:
        raise DataError(f"{len(points)} points is more than {MAX_POINTS}: remove some", field="points")
    for x, y, label in points:
        if not (abs(x) <= EXTENT and abs(y) <= EXTENT):
            raise DataError(f"point ({x:g}, {y:g}) lies outside the plane [-6, 6]²", field="points")
        if not 0 <= label < MAX_CLASSES:
            raise DataError(f"class {label} is not one of 0..{MAX_CLASSES - 1}", field="points")


def points_from_csv(file: Any) -> tuple[tuple[float, float, int], ...]:
    """Read own points from CSV: the first two numeric columns are x1, x2, the last column the class.

    Coordinates are scaled into the plane [-6, 6]² when they lie outside it; class labels (numbers or
    text) become 0, 1, ... in sorted order. Raises DataError saying what to fix.
    """
    table, _ = read_csv(file)  # the one CSV reader: size limits and messages a student can act on
    if table.shape[1] < 3:
        raise DataError(f"the CSV needs three columns (x1, x2, label), it has {table.shape[1]}", field="csv")
    table = table.dropna()
    if table.empty:
        raise DataError("the CSV has no complete rows", field="csv")
    try:
        xy = table.iloc[:, :2].astype(float).to_numpy()
    except ValueError:
        names = ", ".join(map(str, table.columns[:2]))
        raise DataError(f"the first two columns ({names}) must hold numbers", field="csv") from None
    infinite = np.argwhere(~np.isfinite(xy))
    if len(infinite):
        row, col = infinite[0]
        raise DataError(
            f"line {int(table.index[row]) + 2} of the CSV has {xy[row, col]} as {table.columns[col]}: "
            "every coordinate must be a finite number. Fix it, or delete the row",
            field="csv",
        )
    labels = table.iloc[:, -1]
    classes = sorted(labels.unique(), key=str)
    if len(classes) > MAX_CLASSES or len(classes) < 2:
        raise DataError(
            f"the label column '{table.columns[-1]}' has {len(classes)} different values; "
            f"it needs 2 to {MAX_CLASSES} classes",
            field="csv",
        )
    if len(xy) > MAX_POINTS:
        raise DataError(f"the CSV has {len(xy)} rows; at most {MAX_POINTS} fit on the plane", field="csv")
    scale = np.abs(xy).max()
    if scale > EXTENT:
        xy = xy * (EXTENT / scale)
    index = {c: i for i, c in enumerate(classes)}
    return tuple(
        (round(float(x), 1), round(float(y), 1), index[c]) for (x, y), c in zip(xy, labels, strict=True)
    )


# --- what the views draw ----------------------------------------------------------------------------
@dataclass
class NeuronMaps:
    """Every neuron's output over a grid on the plane. Row i of a map is x2 = `ticks[i]` (bottom first)."""

    ticks: np.ndarray  # (R,) grid coordinates, shared by x1 and x2
    inputs: np.ndarray  # (F, R, R) the input features
    hidden: list[np.ndarray]  # per hidden layer: (n_k, R, R) outputs after the activation
    output: np.ndarray  # (K, R, R) the output layer (logits, or the regression value)

    def boundary(self, task: str) -> np.ndarray:
        """What the big plot shows: (R, R) in [-1, 1] for binary (p1 - p0) and regression; (K, R, R)
        class probabilities for multiclass."""
        if task == "regression":
            return self.output[0]
        probs = _softmax(self.output)
        return probs[1] - probs[0] if task == "binary" else probs


def empty_boundary() -> np.ndarray:
    """A blank output plane (no model yet): all zeros, drawn white."""
    return np.zeros((2, 2), dtype=np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _one_thread() -> None:
    # The views' tensors are tiny: a second intra-op thread only spins against the training threads
    # (measured 5x slower redraws on 2 busy cores). Set for the calling thread, where the page draws.
    torch.set_num_threads(1)


def plane_grid(resolution: int) -> tuple[np.ndarray, torch.Tensor]:
    """Grid ticks (R,) over the plane and its points (R*R, 2), x1 varying fastest."""
    ticks = np.linspace(-EXTENT, EXTENT, resolution, dtype=np.float32)
    x1, x2 = np.meshgrid(ticks, ticks)
    return ticks, torch.from_numpy(np.stack([x1.ravel(), x2.ravel()], axis=1))


def neuron_maps(model: nn.Module, network: Network, resolution: int = 50) -> NeuronMaps:
    """One forward pass over an R×R grid with a hook on each hidden layer: every neuron's picture."""
    _one_thread()
    ticks, grid = plane_grid(resolution)
    inputs = featurize(grid, network.features)  # (R*R, F)
    taps = [f"act{i}" if ACTIVATIONS[a] else f"hidden{i}" for i, a in enumerate(network.activations, 1)]
    seen: dict[str, torch.Tensor] = {}
    handles = [
        model.get_submodule(name).register_forward_hook(
            lambda _m, _i, out, name=name: seen.__setitem__(name, out)
        )
        for name in taps
    ]
    try:
        with torch.no_grad():
            output = model(inputs)
    finally:
        for handle in handles:
            handle.remove()

    def planes(t: torch.Tensor) -> np.ndarray:  # (R*R, n) -> (n, R, R)
        return t.detach().float().T.reshape(-1, resolution, resolution).numpy()

    return NeuronMaps(ticks, planes(inputs), [planes(seen[name]) for name in taps], planes(output))


@dataclass
class Edge:
    """One weight or bias of the drawn network. `source` is None for a bias."""

    layer: str  # the Linear's name: hidden1, ..., output
    target: int
    source: int | None
    value: float


def network_weights(model: nn.Module, network: Network) -> list[tuple[np.ndarray, np.ndarray]]:
    """(weight (out, in), bias (out,)) of each Linear, input side first, as numpy copies."""
    names = [f"hidden{i}" for i in range(1, len(network.hidden) + 1)] + ["output"]
    out = []
    for name in names:
        layer = model.get_submodule(name)
        out.append((layer.weight.detach().numpy().copy(), layer.bias.detach().numpy().copy()))
    return out


def layer_names(network: Network) -> list[str]:
    return [f"hidden{i}" for i in range(1, len(network.hidden) + 1)] + ["output"]


def latest_grad_norms(grad_norms: pd.DataFrame, network: Network) -> pd.DataFrame:
    """The most recent gradient norm of each Linear, input side first, labelled "layer 1", ..., "output".
    `grad_norms` is a Job's long table (step, layer, grad_norm, weight_norm)."""
    if grad_norms.empty:
        return pd.DataFrame(columns=["layer", "grad_norm"])
    latest = grad_norms[grad_norms["step"] == grad_norms["step"].max()]
    by_name = dict(zip(latest["layer"], latest["grad_norm"], strict=True))
    names = [n for n in layer_names(network) if n in by_name]
    labels = ["output" if n == "output" else f"layer {n.removeprefix('hidden')}" for n in names]
    return pd.DataFrame({"layer": labels, "grad_norm": [float(by_name[n]) for n in names]})


def parameter_setter(edge: Edge, value: float):
    """A function that sets one weight or bias of a model to `value` (for `Job.apply`)."""
    if not math.isfinite(value):
        raise DlcoreError(f"a weight must be a finite number, not {value}", field="weight")

    def set_value(model: nn.Module) -> None:
        layer = model.get_submodule(edge.layer)
        with torch.no_grad():
            if edge.source is None:
                layer.bias[edge.target] = value
            else:
                layer.weight[edge.target, edge.source] = value

    return set_value


def evaluate(model: nn.Module, dataset, loss: str) -> dict[str, float]:
    """Loss (and accuracy for classes) on the whole training and test sets, like TF Playground shows."""
    _one_thread()
    criterion = make_loss(loss)
    out: dict[str, float] = {}
    with torch.no_grad():
        for split in ("train", "test"):
            inputs, targets = getattr(dataset, split)
            if len(inputs) == 0:
                continue
            prediction = model(inputs)
            out[f"{split}_loss"] = float(criterion(prediction, targets))
            if targets.dtype == torch.int64:
                out[f"{split}_accuracy"] = float((prediction.argmax(1) == targets).float().mean())
    return out


def tf_playground_loss(model: nn.Module, dataset, split: str = "test") -> float:
    """A binary problem's loss in TF Playground's own terms, to compare with its numbers: its network ends
    in one tanh unit o in [-1, 1] scored by 0.5·mean((o - t)²) with t = ±1; ours gives p = p(class 1),
    so o = 2p - 1."""
    inputs, targets = getattr(dataset, split)
    with torch.no_grad():
        p = torch.softmax(model(inputs), dim=1)[:, 1]
    t = 2 * targets.float() - 1
    return float(0.5 * ((2 * p - 1 - t) ** 2).mean())


def train_epochs(state: Playground, network: Network, epochs: int) -> tuple[nn.Module, Any]:
    """Train `network` for `epochs` epochs exactly as the page would (its data, seed and settings) and
    return the trained model and its dataset: for benchmarks and tests of the page's defaults."""
    dataset = load(state.dataset, **dataset_options(state, network))
    config = replace(train_config(state, network), epochs=epochs)
    job = start_training(model_spec(state, network), dataset, config)
    job.wait()
    if job.status != "finished":
        raise DlcoreError(f"training did not finish: {job.error or job.status}")
    return job.snapshot(), dataset
