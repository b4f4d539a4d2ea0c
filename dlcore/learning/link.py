"""The Learning page's setup as plain data and as a link: the tool open, the backprop stepper's network,
the race's surface, start and racers (each optimizer with its learning rate), the finder's sweep range.

`to_query` writes only what differs from a new tab's page (`?tool=race&surface=beale&racers=sgd:0.002,
adam:0.1`); `from_query` reads every value it can and reports each one it cannot in a sentence naming
it, keeping the default, so a mistyped link still opens a working page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dlcore.errors import DlcoreError, excerpt
from dlcore.learning.backprop import BackpropNet, LearningError, check
from dlcore.learning.race import SURFACES, check_start
from dlcore.optim import LEARNING_RATE, OPTIMIZERS

TOOLS = (
    "backprop",
    "race",
    "lr_finder",
)  # in the page's tab order; LANDSCAPE: "landscape" joins at the merge
DEFAULT_SURFACE = "rosenbrock"
FINDER_START, FINDER_END = 1e-7, 10.0


def default_racers(surface: str) -> tuple[tuple[str, float], ...]:
    """Every optimizer of the engine, at the learning rate that races well on `surface`."""
    lrs = SURFACES.get(surface).lrs
    return tuple((name, lrs.get(name, LEARNING_RATE.default)) for name in OPTIMIZERS.names())


@dataclass(frozen=True)
class LearningState:
    """The Learning page in one tab; replaced whole, never changed in place. `start` None: the surface's
    own start."""

    tool: str = TOOLS[0]
    net: BackpropNet = field(default_factory=BackpropNet)
    surface: str = DEFAULT_SURFACE
    start: tuple[float, float] | None = None
    racers: tuple[tuple[str, float], ...] = field(default_factory=lambda: default_racers(DEFAULT_SURFACE))
    finder_start: float = FINDER_START
    finder_end: float = FINDER_END

    @property
    def start_point(self) -> tuple[float, float]:
        return self.start if self.start is not None else SURFACES.get(self.surface).start

    def with_surface(self, surface: str) -> LearningState:
        """Another surface, from its own start, with each racer at that surface's learning rate."""
        lrs = SURFACES.get(surface).lrs
        racers = tuple((name, lrs.get(name, lr)) for name, lr in self.racers)
        return replace(self, surface=surface, start=None, racers=racers)


def validate(state: LearningState) -> None:
    """Raise a DlcoreError naming the field for a setup the page cannot use."""
    if state.tool not in TOOLS:
        raise LearningError(f"unknown tool {excerpt(state.tool)} (known: {', '.join(TOOLS)})", field="tool")
    check(state.net)
    check_start(SURFACES.get(state.surface), state.start_point)
    for name, lr in state.racers:
        OPTIMIZERS.get(name)
        try:
            LEARNING_RATE.coerce(lr)
        except ValueError as err:
            raise LearningError(f"{OPTIMIZERS.get(name).label}: {err}", field=f"racers.{name}") from None
    if not 0 < state.finder_start < state.finder_end:
        raise LearningError("the sweep must start below where it ends", field="finder_start")


# ---------------------------------------------------------------- to and from a link


def _numbers(values) -> str:
    return ",".join(map(repr, values))  # the shortest text that reads back as the same number


def _read_numbers(text: str) -> tuple[float, ...]:
    return tuple(float(part) for part in text.split(","))


NET_FIELDS: dict[str, tuple[str, Callable[[Any], str], Callable[[str], Any]]] = {
    # link name -> (BackpropNet field, write, read)
    "net": ("widths", lambda v: "-".join(map(str, v)), lambda t: tuple(int(p) for p in t.split("-"))),
    "act": ("activation", str, str),
    "loss": ("loss", str, str),
    "x": ("x", _numbers, _read_numbers),
    "target": ("targets", _numbers, _read_numbers),
    "class": ("label", str, int),
    "opt": ("optimizer", str, str),
    "lr": ("lr", repr, float),
    "seed": ("seed", str, int),
}


def to_query(state: LearningState) -> dict[str, str]:
    """The state as query parameters, only where it differs from a new tab's."""
    fresh, query = LearningState(), {}
    if state.tool != fresh.tool:
        query["tool"] = state.tool
    for name, (attr, write, _) in NET_FIELDS.items():
        if getattr(state.net, attr) != getattr(fresh.net, attr):
            query[f"bp.{name}"] = write(getattr(state.net, attr))
    if state.surface != fresh.surface:
        query["surface"] = state.surface
    if state.start is not None:
        query["start"] = _numbers(state.start)
    if state.racers != default_racers(state.surface):
        query["racers"] = ",".join(f"{name}:{lr!r}" for name, lr in state.racers)
    if (state.finder_start, state.finder_end) != (FINDER_START, FINDER_END):
        query["sweep"] = _numbers((state.finder_start, state.finder_end))
    return query


def from_query(query: Mapping[str, str]) -> tuple[LearningState, list[str]]:
    """A state from a link, and a sentence for each value it could not use (that value keeps its default)."""
    state, problems = LearningState(), []

    def attempt(what: str, change: Callable[[LearningState], LearningState]) -> None:
        nonlocal state
        try:
            changed = change(state)
            validate(changed)
        except (DlcoreError, ValueError, TypeError) as err:
            why = err.message if isinstance(err, DlcoreError) else "it is not a value of the right kind"
            problems.append(f"The link's {what} could not be used: {why}")
            return
        state = changed

    if "tool" in query:
        attempt("tool", lambda s: replace(s, tool=query["tool"]))
    for name, (attr, _, read) in NET_FIELDS.items():
        if f"bp.{name}" in query:
            attempt(f"bp.{name}", _net_change(attr, read, query[f"bp.{name}"]))
    if "surface" in query:
        attempt("surface", lambda s: s.with_surface(query["surface"]))
    if "start" in query:
        attempt("start", lambda s: replace(s, start=_pair(query["start"])))
    if "racers" in query:
        attempt("racers", lambda s: replace(s, racers=_read_racers(query["racers"])))
    if "sweep" in query:
        attempt("sweep", lambda s: _with_sweep(s, *_pair(query["sweep"])))
    return state, problems


def _net_change(attr: str, read: Callable[[str], Any], text: str) -> Callable[[LearningState], LearningState]:
    """The change a link's stepper value makes (new widths resize the example to fit)."""

    def change(state: LearningState) -> LearningState:
        if attr == "widths":
            return replace(state, net=state.net.resized(read(text)))
        return replace(state, net=replace(state.net, **{attr: read(text)}))

    return change


def _with_sweep(state: LearningState, start: float, end: float) -> LearningState:
    return replace(state, finder_start=start, finder_end=end)


def _pair(text: str) -> tuple[float, float]:
    numbers = _read_numbers(text)
    if len(numbers) != 2:
        raise ValueError(f"{excerpt(text)} is not two numbers")
    return numbers


def _read_racers(text: str) -> tuple[tuple[str, float], ...]:
    racers = []
    for part in filter(None, text.split(",")):  # an empty list: no racer
        name, _, lr = part.partition(":")
        racers.append((name, float(lr)))
    if len({name for name, _ in racers}) != len(racers):
        raise ValueError("an optimizer is named twice")
    return tuple(racers)
