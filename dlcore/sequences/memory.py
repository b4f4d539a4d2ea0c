"""The memory tab: one recurrent layer (RNN, LSTM or GRU) learning to remember, seen from the inside.

For one input sequence: the hidden state over time (units × steps), the gates over time, computed from the
layer's own weights step by step (and checked against torch's output in the tests), and how strongly the
loss depends on each step's input (the gradient reaching step t: it fades through time in a plain RNN).

    state = MemoryState(cell="LSTM", length=30)
    spec, ds, cfg = memory_spec(state), memory_dataset(state), memory_config(state)
    view = memory_view(model, ds.test[0][0], ds.test[1][0])   # hidden, gates, input gradients
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from dlcore.data.catalogue import load
from dlcore.jobs.job import seeded_build
from dlcore.params import Param
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.spec import ModelSpec
from dlcore.training import TrainConfig

CELLS = ("RNN", "LSTM", "GRU")
TASKS = ("memory", "wave_classes")  # remember the first value across noise; tell waves apart
# Gate names in the order torch stacks them in weight_ih_l0 (the LSTM's "g" is its candidate, not a gate).
GATE_ORDER = {"LSTM": ("input", "forget", "candidate", "output"), "GRU": ("reset", "update", "candidate")}

PARAMS = (
    Param("cell", "choice", "LSTM", "The recurrent layer: plain RNN, or gated LSTM or GRU.", choices=CELLS),
    Param(
        "task",
        "choice",
        "memory",
        "memory: say whether the first value was +1 or -1 after noise; wave_classes: which wave is it.",
        choices=TASKS,
    ),
    Param("length", "int", 30, "Time steps in each sequence (the gap to remember across).", min=5, max=100),
    Param("hidden", "int", 16, "Units in the hidden state (rows of the heat map).", min=2, max=64),
    Param("lr", "float", 0.01, "Adam's learning rate.", min=1e-4, max=0.1, log=True),
    Param("seed", "int", 0, "Seed of the data, the first weights and the batches.", min=0, max=10_000),
)


@dataclass(frozen=True)
class MemoryState:
    """The memory tab in one browser tab; replaced whole, never changed in place."""

    cell: str = "LSTM"
    task: str = "memory"
    length: int = 30
    hidden: int = 16
    lr: float = 0.01
    seed: int = 0


LINK = register_tab_link(param_link("memory", MemoryState, PARAMS))


def memory_dataset(state: MemoryState):
    if state.task == "memory":
        return load("memory", num_sequences=1000, delay=state.length - 1, seed=state.seed)
    return load("wave_classes", num_sequences=1000, length=state.length, seed=state.seed)


def memory_spec(state: MemoryState, ds) -> ModelSpec:
    """The recurrent layer (named 'memory') reading the sequence, and a Linear layer on its last step."""
    return ModelSpec.from_dict(
        {
            "input_shape": list(ds.input_shape),
            "layers": [
                {"type": state.cell, "hidden_size": state.hidden, "name": "memory"},
                {"type": "Linear", "out_features": ds.num_classes, "name": "output"},
            ],
        }
    )


def memory_config(state: MemoryState, epochs: int | None = None) -> TrainConfig:
    return TrainConfig(lr=state.lr, epochs=epochs, batch_size=64, seed=state.seed, optimizer="adam")


@dataclass(frozen=True)
class MemoryView:
    """What one input does inside the layer. hidden: (H, L); gates: name -> (H, L) in [0, 1];
    input_grad: (L,) the size of d loss / d x_t for each step t; prediction, target: class indices."""

    hidden: torch.Tensor
    gates: dict[str, torch.Tensor]
    input_grad: torch.Tensor
    prediction: int
    target: int


def recurrent_layer(model: nn.Module) -> nn.RNNBase:
    """The model's first recurrent layer."""
    return next(m for m in model.modules() if isinstance(m, nn.RNNBase))


@torch.no_grad()
def unroll(layer: nn.RNNBase, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run one-layer `layer` over one sequence x (L, F) step by step from its weights: the hidden states
    (L, H) and each gate's values (L, H), so a student sees what each gate let through at each step."""
    w_ih, w_hh = layer.weight_ih_l0, layer.weight_hh_l0
    b_ih = layer.bias_ih_l0 if layer.bias else torch.zeros(w_ih.shape[0])
    b_hh = layer.bias_hh_l0 if layer.bias else torch.zeros(w_hh.shape[0])
    size = layer.hidden_size
    h, c = torch.zeros(size), torch.zeros(size)
    from_input = x @ w_ih.T + b_ih  # (L, gates * H): every step's input part at once
    hidden, gates = [], []
    for step in from_input:
        from_state = h @ w_hh.T + b_hh
        if isinstance(layer, nn.LSTM):
            i, f, g, o = (step + from_state).chunk(4)
            i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            gates.append((i, f, g, o))
        elif isinstance(layer, nn.GRU):
            (xr, xz, xn), (hr, hz, hn) = step.chunk(3), from_state.chunk(3)
            r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
            n = (xn + r * hn).tanh()
            h = (1 - z) * n + z * h
            gates.append((r, z, n))
        else:
            pre = step + from_state
            h = pre.tanh() if layer.nonlinearity == "tanh" else pre.relu()
        hidden.append(h)
    names = GATE_ORDER["LSTM" if isinstance(layer, nn.LSTM) else "GRU"] if gates else ()
    per_gate = zip(*gates, strict=True)  # the steps' (i, f, g, o) -> each gate's steps
    return torch.stack(hidden), {name: torch.stack(v) for name, v in zip(names, per_gate, strict=True)}


def input_gradients(model: nn.Module, x: torch.Tensor, target: int) -> tuple[torch.Tensor, int]:
    """How much the loss on one sequence x (L, F) depends on each step's input: |d loss / d x_t| (L,),
    and the model's prediction. Early steps get almost nothing in a plain RNN: the gradient vanishes on
    its way back through time."""
    was_training = model.training
    model.eval()
    try:
        x = x[None].clone().requires_grad_(True)  # (1, L, F)
        out = model(x)
        nn.functional.cross_entropy(out, torch.tensor([target])).backward()
        return x.grad[0].norm(dim=1).detach(), int(out.argmax(dim=1))
    finally:
        model.zero_grad(set_to_none=True)
        model.train(was_training)


def memory_view(model: nn.Module, x: torch.Tensor, target: int) -> MemoryView:
    """Hidden states, gates and input gradients of `model` (a copy: nothing here changes the job's) on x."""
    hidden, gates = unroll(recurrent_layer(model), x)
    grad, prediction = input_gradients(model, x, int(target))
    return MemoryView(hidden.T, {name: g.T for name, g in gates.items()}, grad, prediction, int(target))


def untrained_view(state: MemoryState, ds) -> MemoryView:
    """The view of the state's model with the weights a run of it starts from, on the first test input."""
    model = seeded_build({"model": memory_spec(state, ds)}, state.seed)["model"]
    x, y = ds.test
    return memory_view(model, x[0], int(y[0]))
