"""The Generative page as plain data: the data, the family of model, each role's network and how it learns.

A `GenerativeState` is frozen and JSON-friendly. It round-trips through the page's link (`to_query` /
`from_query`: a bad value in a link keeps its default and is reported, so a mistyped link still opens) and
is checked by `validate`, which names the field and says what to change. Which families exist, their roles
and their own options (`family_options`) come from the registry in `dlcore.generative.families`.

Link parameters: data, data.<option> (the dataset's own, e.g. data.noise), points, family, <role>.width,
<role>.depth, <role>.lr, <role>.opt, batch, seed, f.<option> (the family's own, e.g. f.beta).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dlcore.data.catalogue import options as dataset_params
from dlcore.data.csv import read_csv
from dlcore.data.downloads import downloaded
from dlcore.errors import DataError, DlcoreError
from dlcore.generative.families import FAMILY_KINDS, RoleNet
from dlcore.optim import LEARNING_RATE, OPTIMIZERS
from dlcore.params import Param
from dlcore.playground import EXTENT, MAX_POINTS, decode_points, encode_points

POINT_DATA = ("ring", "grid", "two_moons", "spiral_2d", "swiss_roll")  # dlcore.data.generative's sets
IMAGE_DATA = ("digits", "mnist", "fashion_mnist")
DOWNLOADED = ("mnist", "fashion_mnist")  # offered once on this computer
OWN_POINTS = "points"
DATA = POINT_DATA + (OWN_POINTS,) + IMAGE_DATA
DATA_LABELS = {
    "ring": "Ring of 8",
    "grid": "Grid",
    "two_moons": "Two moons",
    "spiral_2d": "Spiral",
    "swiss_roll": "Swiss roll",
    OWN_POINTS: "Your own points",
    "digits": "Digits 8×8",
    "mnist": "MNIST",
    "fashion_mnist": "Fashion-MNIST",
}
# The data options the page offers (others keep the dataset's default): each dataset's own Param.
DATA_OPTIONS = ("noise",)

SETTINGS = {
    "width": Param("width", "int", 64, "Neurons in each hidden layer of this network.", min=1, max=512),
    "depth": Param("depth", "int", 2, "Hidden layers of this network (0: a straight line).", min=0, max=6),
    "lr": LEARNING_RATE,
    "opt": Param(
        "opt",
        "choice",
        "adam",
        "Optimizer: how each step turns gradients into weight changes.",
        choices=tuple(OPTIMIZERS.names()),
    ),
}
BATCH = Param("batch", "int", 128, "Batch size: examples per weight update.", min=1, max=1024)
SEED = Param("seed", "int", 0, "Random seed of the data, the starting weights and the noise.", 0, 2**31 - 1)


ROLE_FIELDS = {"width": "width", "depth": "depth", "lr": "lr", "opt": "optimizer"}  # link name -> field


@dataclass(frozen=True)
class GenerativeState:
    """Everything on the Generative page. `roles` holds the networks the student changed, by role name;
    a role not in it uses its family's default (`families.role_net`). `family_options` holds the family's
    own settings (β, latent size, k, schedule, ...); one it lacks takes its Param's default."""

    data: str = "ring"
    data_options: Mapping[str, Any] = field(default_factory=dict)
    points: tuple[tuple[float, float], ...] = ()  # the student's own points
    family: str = "autoencoder"
    roles: Mapping[str, RoleNet] = field(default_factory=dict)
    batch: int = 128
    seed: int = 0
    family_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """ "points" (2-D data) or "images"."""
        return "images" if self.data in IMAGE_DATA else "points"

    def with_role(self, role: str, net: RoleNet) -> GenerativeState:
        return replace(self, roles={**self.roles, role: net})

    def with_option(self, name: str, value: Any) -> GenerativeState:
        return replace(self, family_options={**self.family_options, name: value})

    def with_data_option(self, name: str, value: Any) -> GenerativeState:
        return replace(self, data_options={**self.data_options, name: value})


def offered_data() -> tuple[str, ...]:
    """The data the page offers: MNIST and Fashion-MNIST only once downloaded (nothing downloads here)."""
    return tuple(name for name in DATA if name not in DOWNLOADED or downloaded(name))


def check_points(points) -> tuple[tuple[float, float], ...]:
    """The student's points as (x, y) pairs on the plane; DataError naming 'points' when they are not."""
    try:
        pairs = tuple((float(x), float(y)) for x, y in points)
    except (TypeError, ValueError):
        raise DataError("each point needs two numbers, x and y", field="points") from None
    if len(pairs) > MAX_POINTS:
        raise DataError(f"{len(pairs)} points is more than {MAX_POINTS}: remove some", field="points")
    outside = next(((x, y) for x, y in pairs if not (abs(x) <= EXTENT and abs(y) <= EXTENT)), None)
    if outside is not None:  # NaN fails the comparison too
        raise DataError(
            f"point ({outside[0]:g}, {outside[1]:g}) lies outside the plane [-{EXTENT:g}, {EXTENT:g}]²",
            field="points",
        )
    return pairs


def points_from_csv(file) -> tuple[tuple[float, float], ...]:
    """Own points from a CSV whose first two columns are x and y (other columns are ignored). DataError
    naming the line or the column when they are not numbers."""
    table, _ = read_csv(file)  # the one CSV reader: size limits and messages a student can act on
    if table.shape[1] < 2:
        raise DataError(f"the CSV needs two columns (x, y), it has {table.shape[1]}", field="csv")
    xy = table.iloc[:, :2]
    try:
        values = xy.astype(float).to_numpy()
    except ValueError:
        names = ", ".join(map(str, xy.columns))
        raise DataError(f"the first two columns ({names}) must hold numbers", field="csv") from None
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        row = int(bad[0][0])
        raise DataError(
            f"line {int(table.index[row]) + 2} of the CSV has no number in {xy.columns[bad[0][1]]}: every x "
            "and y must be a number. Fix it, or delete the row",
            field="csv",
        )
    return check_points(_onto_plane(values))


def _onto_plane(values: np.ndarray) -> np.ndarray:
    """Points scaled into the plane when some lie outside it (the shape keeps its proportions)."""
    largest = float(np.abs(values).max()) if len(values) else 0.0
    return values * (EXTENT / largest) if largest > EXTENT else values


def validate(state: GenerativeState) -> None:
    """DlcoreError naming the field and what to change, for a state the page cannot train."""
    if state.data not in DATA:
        raise DataError(f"unknown data {state.data!r}: choose one of {', '.join(DATA)}", field="data")
    _coerce(BATCH, state.batch)
    _coerce(SEED, state.seed)
    if state.data != OWN_POINTS:
        known = {p.name: p for p in dataset_params(state.data)}
        for name, value in state.data_options.items():
            if name not in known:
                raise DataError(f"{state.data} has no setting {name!r}", field=f"data.{name}")
            _coerce(known[name], value, f"data.{name}")
    check_points(state.points)
    for role, net in state.roles.items():
        for key, attr in ROLE_FIELDS.items():
            _coerce(SETTINGS[key], getattr(net, attr), f"{role}.{key}", f"the {role}'s ")
    _check_family(state)


def role_net(state: GenerativeState, role: str) -> RoleNet:
    """The network of `role`: the student's, else the family's default for it."""
    if role in state.roles:
        return state.roles[role]
    kind = FAMILY_KINDS.get(state.family)
    return kind.defaults.get(role, RoleNet()) if kind else RoleNet()


def _check_family(state: GenerativeState) -> None:
    kind = FAMILY_KINDS.get(state.family)
    if kind is None:
        raise DlcoreError(
            f"unknown family {state.family!r}: choose one of {', '.join(FAMILY_KINDS)}", field="family"
        )
    if state.kind not in kind.data:
        what = "images" if state.kind == "images" else "2-D points"
        others = " or ".join(FAMILY_KINDS[k].title for k in fitting(state))
        raise DlcoreError(
            f"the {kind.title} family does not train on {what} ({DATA_LABELS[state.data]}): choose {others} "
            "as the family, or other data",
            field="family",
        )
    known = {p.name: p for p in kind.params}
    for name, value in state.family_options.items():
        if name not in known:
            raise DlcoreError(f"the {kind.title} family has no setting {name!r}", field=f"f.{name}")
        _coerce(known[name], value, f"f.{name}")


def fitting(state: GenerativeState) -> list[str]:
    """The families that train on the state's data."""
    return [key for key, kind in FAMILY_KINDS.items() if state.kind in kind.data]


def _coerce(param: Param, value: Any, where: str | None = None, whose: str = "") -> Any:
    try:
        return param.coerce(value)
    except ValueError as err:
        raise DlcoreError(whose + str(err), field=where or param.name) from None


# --- the link ----------------------------------------------------------------------------------------------
def to_query(state: GenerativeState) -> dict[str, str]:
    """The state as short query parameters: only the current family's roles and options."""
    query = {"data": state.data}
    query.update({f"data.{k}": _text(v) for k, v in state.data_options.items()})
    if state.points:
        query["points"] = encode_points([(x, y, 0) for x, y in state.points])
    query["family"] = state.family
    kind = FAMILY_KINDS.get(state.family)
    for role in kind.roles if kind else ():
        net = role_net(state, role)
        query.update({f"{role}.{key}": _text(getattr(net, attr)) for key, attr in ROLE_FIELDS.items()})
    query["batch"], query["seed"] = str(state.batch), str(state.seed)
    query.update({f"f.{k}": _text(v) for k, v in state.family_options.items()})
    return query


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return f"{value:g}" if isinstance(value, float) else str(value)


def from_query(query: Mapping[str, Any]) -> tuple[GenerativeState, list[str]]:
    """A state from link parameters, and one sentence per value that could not be used (its default is
    kept instead)."""
    q = {k: (v[-1] if isinstance(v, list) else v) for k, v in query.items()}
    problems: list[str] = []
    base = GenerativeState()

    def read(param: Param, key: str, default: Any) -> Any:
        if key not in q:
            return default
        try:
            return param.coerce(_typed(param, q[key]))
        except ValueError as err:
            kept = "the default" if default is None else default
            problems.append(f"Link: {key}: {err}; using {kept}.")
            return default

    data = q.get("data", base.data)
    if data not in DATA:
        problems.append(f"Link: unknown data {data!r}; using {base.data}.")
        data = base.data
    family = q.get("family", base.family)
    if family not in FAMILY_KINDS:
        problems.append(f"Link: unknown family {family!r}; using {base.family}.")
        family = base.family
    kind = FAMILY_KINDS[family]
    state = GenerativeState(data=data, family=family)
    data_params = {} if data == OWN_POINTS else {p.name: p for p in dataset_params(data)}
    data_options = {
        name: read(data_params[name], f"data.{name}", data_params[name].default)
        for name in DATA_OPTIONS
        if name in data_params and f"data.{name}" in q
    }
    roles = {}
    for role in kind.roles:
        net = role_net(state, role)
        values = {
            attr: read(SETTINGS[key], f"{role}.{key}", getattr(net, attr))
            for key, attr in ROLE_FIELDS.items()
        }
        if replace(net, **values) != net:
            roles[role] = replace(net, **values)
    options = {p.name: read(p, f"f.{p.name}", p.default) for p in kind.params if f"f.{p.name}" in q}
    options = {name: value for name, value in options.items() if value is not None}  # None: the default
    offered = {f"f.{p.name}" for p in kind.params} | {f"data.{n}" for n in DATA_OPTIONS if n in data_params}
    problems += [
        f"Link: {key} is not a setting of {kind.title if key.startswith('f.') else DATA_LABELS[data]}."
        for key in q
        if key.startswith(("f.", "data.")) and key not in offered
    ]
    points: tuple = ()
    if "points" in q:
        try:
            points = tuple((x, y) for x, y, _ in decode_points(q["points"]))
        except DataError as err:
            problems.append(f"Link: {err}")
    state = replace(
        state,
        data_options=data_options,
        points=points,
        roles=roles,
        batch=read(BATCH, "batch", base.batch),
        seed=read(SEED, "seed", base.seed),
        family_options=options,
    )
    return state, problems


def _typed(param: Param, text: Any) -> Any:
    """A link's text as the Param's kind reads it (booleans are written 1/0)."""
    if param.kind == "bool" and isinstance(text, str):
        return text.lower() in ("1", "true", "yes", "on")
    return text
