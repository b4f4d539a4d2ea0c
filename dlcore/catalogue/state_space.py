"""State-space layers: DiagonalSSM (S4D-style) and SelectiveSSM (Mamba-style), listed with the recurrent
layers: both are recurrences, s_t = a_t * s_{t-1} + b_t * u_t, that can also run in parallel."""

from __future__ import annotations

from collections.abc import Callable

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import INIT_PARAMS, need_sequence, non_default
from dlcore.params import Param

HIDDEN = Param(
    "hidden_size",
    "int",
    None,
    "Channels: the input is projected to this many, and each channel has its own memories.",
    min=1,
    max=1024,
)
STATE = Param(
    "state_size",
    "int",
    16,
    "Memories per channel (the state), each fading at its own rate; more = more kinds of memory.",
    min=1,
    max=256,
)
DT_MIN = Param(
    "dt_min",
    "float",
    0.001,
    "Smallest starting step size; a small step fades slowly, so that channel remembers long.",
    min=1e-5,
    max=1.0,
    log=True,
)
DT_MAX = Param(
    "dt_max",
    "float",
    0.1,
    "Largest starting step size; a large step fades fast, so that channel remembers only recent steps.",
    min=1e-5,
    max=10.0,
    log=True,
)
RETURN_SEQUENCE = Param(
    "return_sequence",
    "bool",
    False,
    "Output every step (steps, hidden) instead of only the last step (hidden).",
)
COMPLEX = Param(
    "complex",
    "bool",
    True,
    "Complex A (S4D-Lin): each memory fades while it oscillates; off = real A (S4D-Real), it only fades.",
)
SELECTIVE_COMPLEX = Param(
    "complex",
    "bool",
    False,
    "Complex A: each memory fades while it oscillates, which lets the layer single out one step far back "
    "(e.g. the first value of the memory task); off = real A, as in Mamba: it only fades.",
)


def _shape(what: str) -> Callable[[Shape, dict], Shape]:
    def rule(s: Shape, a: dict) -> Shape:
        need_sequence(s, what)
        if a["dt_min"] > a["dt_max"]:
            raise ShapeError(
                f"{what}'s dt_min ({a['dt_min']:g}) is larger than its dt_max ({a['dt_max']:g}): "
                "make dt_max at least dt_min",
                field="dt_max",
            )
        return (s[0], a["hidden_size"]) if a["return_sequence"] else (a["hidden_size"],)

    return rule


def _ctor(what: str, params: tuple[Param, ...]) -> Callable[[dict], Ctor]:
    """The constructor call; arguments at the Params' defaults (the class's too) are left out."""
    defaults = {p.name: p.default for p in params if p is not HIDDEN and p not in INIT_PARAMS}

    def ctor(a: dict) -> Ctor:
        return Ctor(what, (a["input_size"], a["hidden_size"]), non_default(a, defaults))

    return ctor


_DIAGONAL_PARAMS = (HIDDEN, STATE, COMPLEX, DT_MIN, DT_MAX, RETURN_SEQUENCE, *INIT_PARAMS)
_SELECTIVE_PARAMS = (HIDDEN, STATE, SELECTIVE_COMPLEX, DT_MIN, DT_MAX, RETURN_SEQUENCE, *INIT_PARAMS)


def _macs(per_state: int, extra: Callable[[dict], int]) -> Callable[[Shape, Shape, dict], int]:
    """Per step: the input projection, `per_state` multiplies per memory, and the layer's `extra`."""

    def count(i: Shape, o: Shape, a: dict) -> int:
        h = a["hidden_size"]
        return i[0] * (a["input_size"] * h + per_state * h * a["state_size"] + extra(a))

    return count


add(
    name="DiagonalSSM",
    category="recurrent",
    help="A state-space layer (S4D): each channel keeps memories that fade at learned rates; it trains "
    "in parallel as one long convolution.",
    params=_DIAGONAL_PARAMS,
    shape=_shape("DiagonalSSM"),
    infer=lambda s, a: {"input_size": s[1]},
    ctor=_ctor("DiagonalSSM", _DIAGONAL_PARAMS),
    macs=_macs(2, lambda a: a["hidden_size"]),
    has_weights=True,
    example={"hidden_size": 32},
)

add(
    name="SelectiveSSM",
    category="recurrent",
    help="A selective state-space layer (Mamba): each input sets how fast the memory fades and what it "
    "writes and reads, so the layer chooses what to remember.",
    params=_SELECTIVE_PARAMS,
    shape=_shape("SelectiveSSM"),
    infer=lambda s, a: {"input_size": s[1]},
    ctor=_ctor("SelectiveSSM", _SELECTIVE_PARAMS),
    macs=_macs(5, lambda a: a["hidden_size"] ** 2 + 2 * a["hidden_size"] * a["state_size"]),
    has_weights=True,
    example={"hidden_size": 32},
)
