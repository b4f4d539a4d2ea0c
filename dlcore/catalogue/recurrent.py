"""Recurrent layers: RNN, LSTM and GRU."""

from __future__ import annotations

from collections.abc import Callable

from dlcore.catalogue.entry import Ctor, Shape, ShapeError, add
from dlcore.catalogue.shared import BIAS, INIT_PARAMS, need_sequence, non_default
from dlcore.params import Param


def _recurrent_params(extra: tuple[Param, ...] = ()) -> tuple[Param, ...]:
    return (
        Param(
            "hidden_size",
            "int",
            None,
            "Size of the memory (hidden state) carried from step to step.",
            min=1,
            max=2048,
        ),
        Param(
            "num_layers",
            "int",
            1,
            "How many recurrent layers are stacked on top of each other.",
            min=1,
            max=8,
        ),
        Param("bidirectional", "bool", False, "Also read the sequence backwards; doubles the output size."),
        Param(
            "return_sequence",
            "bool",
            False,
            "Output every step (steps, hidden) instead of only the last step (hidden).",
        ),
        Param(
            "dropout",
            "float",
            0.0,
            "Dropout between stacked layers (needs num_layers ≥ 2).",
            min=0.0,
            max=0.9,
        ),
        *extra,
        BIAS,
        *INIT_PARAMS,
    )


def _recurrent_shape(what: str) -> Callable[[Shape, dict], Shape]:
    def rule(s: Shape, a: dict) -> Shape:
        need_sequence(s, what)
        if a["dropout"] > 0 and a["num_layers"] == 1:
            raise ShapeError(
                "dropout only acts between stacked layers: set num_layers to 2 or more, or dropout to 0",
                field="dropout",
            )
        width = a["hidden_size"] * (2 if a["bidirectional"] else 1)
        return (s[0], width) if a["return_sequence"] else (width,)

    return rule


# The gate that keeps a gated layer's memory, and the parameter that sets where its bias starts.
KEEPING_GATES = {"LSTM": "forget", "GRU": "update"}


def _keep_bias(what: str) -> tuple[Param, ...]:
    if what not in KEEPING_GATES:
        return ()
    gate = KEEPING_GATES[what]
    return (
        Param(
            f"{gate}_bias",
            "float",
            0.0,
            f"Where the {gate} gate's bias starts (0: PyTorch's start, about half the memory kept a step). "
            "From 1 to 5 the layer keeps its memory from the first step (3: 95 %, 5: 99 % a step), so it "
            "learns long delays much sooner. Needs bias on.",
            min=-5.0,
            max=5.0,
        ),
        *_write_bias(what),
    )


def _write_bias(what: str) -> tuple[Param, ...]:
    """The LSTM's input gate, which writes to the memory; a GRU's update gate also stops the writing."""
    if what != "LSTM":
        return ()
    return (
        Param(
            "input_bias",
            "float",
            0.0,
            "Where the input gate's bias starts (0: PyTorch's start, about half of each step written). "
            "Negative, the memory is written little at first: with the forget gate open it is not filled "
            "up by every step's input before the layer learns what to write (chrono initialisation starts "
            "it at minus forget_bias). Needs bias on.",
            min=-5.0,
            max=5.0,
        ),
    )


def _recurrent_ctor(what: str) -> Callable[[dict], Ctor]:
    defaults = {"num_layers": 1, "bias": True, "dropout": 0.0, "bidirectional": False}
    if what == "RNN":
        defaults["nonlinearity"] = "tanh"

    def ctor(a: dict) -> Ctor:
        kwargs = {**non_default(a, defaults), "batch_first": True}
        starts = {
            "keep_bias": a.get(f"{KEEPING_GATES.get(what)}_bias", 0.0),
            "input_bias": a.get("input_bias", 0.0),
        }
        starts = {name: start for name, start in starts.items() if start and a["bias"]}
        return Ctor(
            f"nn.{what}",
            (a["input_size"], a["hidden_size"]),
            kwargs,
            module=what,
            build_kwargs={"return_sequence": a["return_sequence"], **starts},
        )

    return ctor


def _keep_code(what: str) -> Callable[[dict], list[str]] | None:
    """Exported lines that start the keeping gate's bias as dlcore.layers.start_keeping does."""
    if what not in KEEPING_GATES:
        return None
    gate = KEEPING_GATES[what]

    def lines(a: dict) -> list[str]:
        # (block of each bias, its start, why): the LSTM's input gate is the first block
        keep, write = a[f"{gate}_bias"], a.get("input_bias", 0.0)
        starts = [
            (1, keep, f"the {gate} gate starts at {keep:g}: memory kept"),
            (0, write, f"the input gate starts at {write:g}: little written"),
        ]
        h = a["hidden_size"]
        out = []
        for block, bias, why in starts:
            if not bias or not a["bias"]:
                continue
            out.append(f"with torch.no_grad():  # {why}")
            for layer in range(a["num_layers"]):
                for suffix in ("", "_reverse") if a["bidirectional"] else ("",):
                    rows = f"[{block * h}:{(block + 1) * h}]"
                    out.append(f"    self.{{name}}.bias_ih_l{layer}{suffix}{rows} = {bias!r}")
                    out.append(f"    self.{{name}}.bias_hh_l{layer}{suffix}{rows} = 0.0")
        return out

    return lines


def _recurrent_forward(a: dict) -> list[str]:
    if a["return_sequence"]:
        return ["x, _ = self.{name}(x)"]
    lines = ["x, _ = self.{name}(x)  # every step: (B, steps, hidden * directions)"]
    if not a["bidirectional"]:
        return lines + ["x = x[:, -1]  # keep the last step"]
    h = a["hidden_size"]
    return lines + [f"x = torch.cat((x[:, -1, :{h}], x[:, 0, {h}:]), dim=1)  # last step of each direction"]


def _recurrent_macs(gates: int) -> Callable[[Shape, Shape, dict], int]:
    def count(i: Shape, o: Shape, a: dict) -> int:
        h, dirs = a["hidden_size"], 2 if a["bidirectional"] else 1
        total, width = 0, a["input_size"]
        for _ in range(a["num_layers"]):
            total += dirs * gates * i[0] * (width * h + h * h)
            width = h * dirs
        return total

    return count


for _name, _gates, _help, _extra in (
    (
        "RNN",
        1,
        "A simple recurrent layer: reads a sequence step by step, updating a hidden state.",
        (
            Param(
                "nonlinearity",
                "choice",
                "tanh",
                "Squashing function applied at each step.",
                choices=("tanh", "relu"),
            ),
        ),
    ),
    (
        "LSTM",
        4,
        "A recurrent layer with gates that decide what to remember and forget; good at long sequences.",
        (),
    ),
    ("GRU", 3, "A lighter gated recurrent layer (two gates instead of the LSTM's three).", ()),
):
    add(
        name=_name,
        category="recurrent",
        help=_help,
        params=_recurrent_params(_extra + _keep_bias(_name)),
        shape=_recurrent_shape(_name),
        infer=lambda s, a: {"input_size": s[1]},
        ctor=_recurrent_ctor(_name),
        macs=_recurrent_macs(_gates),
        forward_code=_recurrent_forward,
        start_code=_keep_code(_name),
        has_weights=True,
        example={"hidden_size": 32},
    )
