"""The state-space tab: a DiagonalSSM or SelectiveSSM learning to remember across a gap, and how far back
each of its channels remembers as it learns.

A channel's memories fade by a factor per step; its half-life is the number of steps until its slowest
memory has faded to half, ln 2 / (dt * |Re A|). Its impulse response is what one input adds to the
channel's output k steps later (for the diagonal layer, the kernel it convolves with).

    state = StateSpaceState(delay=60)
    ds = ssm_dataset(state)
    spec, cfg = ssm_spec(state, ds), ssm_config(state)
    start = start_view(state, ds)                       # before training: where the half-lives start
    view = memory_view(model, view_sequences(ds), start.half_lives)   # half-lives, impulse response
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from dlcore.data.catalogue import load
from dlcore.jobs.job import seeded_build
from dlcore.params import Param
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.spec import ModelSpec
from dlcore.ssm import DiagonalSSM, SelectiveSSM
from dlcore.training import TrainConfig

LAYERS = ("DiagonalSSM", "SelectiveSSM")
# the starting step sizes (dt_min, dt_max): a small step fades slowly, so it remembers long
STARTS = {"short": (0.1, 1.0), "long": (0.001, 0.1)}
STATE_SIZE = 8

PARAMS = (
    Param(
        "layer",
        "choice",
        "DiagonalSSM",
        "DiagonalSSM (S4D): each memory fades at the same rate at every step; SelectiveSSM (Mamba): each "
        "input sets how fast the memory fades and what it writes.",
        choices=LAYERS,
    ),
    Param("delay", "int", 60, "Steps of noise between the value to remember and the answer.", min=5, max=200),
    Param(
        "channels", "int", 16, "Channels of the layer: one bar each in the half-life chart.", min=2, max=32
    ),
    Param(
        "start",
        "choice",
        "short",
        "The memory the layer starts with: short (step sizes 0.1 to 1: half-lives of a few steps) or long "
        "(0.001 to 0.1: hundreds of steps).",
        choices=tuple(STARTS),
    ),
    Param("lr", "float", 0.01, "Adam's learning rate.", min=1e-4, max=0.1, log=True),
    Param("seed", "int", 0, "Seed of the data, the first weights and the batches.", min=0, max=10_000),
)


@dataclass(frozen=True)
class StateSpaceState:
    """The state-space tab in one browser tab; replaced whole, never changed in place."""

    layer: str = "DiagonalSSM"
    delay: int = 60
    channels: int = 16
    start: str = "short"
    lr: float = 0.01
    seed: int = 0


LINK = register_tab_link(param_link("state_space", StateSpaceState, PARAMS))


def ssm_dataset(state: StateSpaceState):
    """The memory task: a first value of +1 or -1, then `delay` steps of noise; which was it?"""
    return load("memory", num_sequences=1000, delay=state.delay, seed=state.seed)


def ssm_spec(state: StateSpaceState, ds) -> ModelSpec:
    """The state-space layer (named 'ssm') reading the sequence, and a Linear layer on its last step."""
    dt_min, dt_max = STARTS[state.start]
    # complex A, oscillating memories: real ones weigh older steps less, always, so they cannot single out
    # the first value among the noise (a SelectiveSSM with real A stays near chance)
    layer = {"type": state.layer, "hidden_size": state.channels, "state_size": STATE_SIZE, "complex": True}
    return ModelSpec.from_dict(
        {
            "input_shape": list(ds.input_shape),
            "layers": [
                {**layer, "dt_min": dt_min, "dt_max": dt_max, "name": "ssm"},
                {"type": "Linear", "out_features": ds.num_classes, "name": "output"},
            ],
        }
    )


def ssm_config(state: StateSpaceState, epochs: int | None = None) -> TrainConfig:
    return TrainConfig(lr=state.lr, epochs=epochs, batch_size=64, seed=state.seed, optimizer="adam")


def state_space_layer(model: nn.Module) -> DiagonalSSM | SelectiveSSM:
    """The model's first state-space layer."""
    return next(m for m in model.modules() if isinstance(m, (DiagonalSSM, SelectiveSSM)))


@torch.no_grad()
def half_lives(layer: DiagonalSSM | SelectiveSSM, x: torch.Tensor) -> torch.Tensor:
    """(H,) steps until each channel's slowest memory has faded to half: ln 2 / (dt * |Re A|).

    The selective layer's step size depends on the input: here it is its average over the steps of the
    sequences x (B, L, F). The diagonal layer's is the same for every input (x is not used).
    """
    if isinstance(layer, DiagonalSSM):
        fading = torch.exp(layer.log_dt)[:, None] * torch.exp(layer.log_decay)  # (H, N) per step
    else:
        dt = layer.selection(x.movedim(-1, 0))[1].mean(dim=(1, 2))  # (H,)
        fading = dt[:, None] * torch.exp(layer.A_log)
    return math.log(2) / fading.min(dim=1).values


@torch.no_grad()
def impulse_response(layer: DiagonalSSM | SelectiveSSM, x: torch.Tensor) -> torch.Tensor:
    """(H, L): what an input of 1 at the first step adds to each channel's output k steps later, over the
    length L of one sequence x (L, F). The diagonal layer's is its kernel, the same for every input; the
    selective layer's is on x: x's own steps set what the first step writes and how fast it fades."""
    length = x.shape[0]
    if isinstance(layer, DiagonalSSM):
        return layer.kernel(length)
    _, dt, _, B, c = layer.selection(x.T)  # (H or N, L)
    a = layer.decay(dt)  # (H, N, L)
    written = dt[:, None, 0] * B[None, :, 0]  # (H, N): what a 1 at step 0 writes
    kept = torch.cumprod(torch.cat((torch.ones_like(a[..., :1]), a[..., 1:]), dim=-1), dim=-1)  # (H, N, L)
    return torch.einsum("nl,hnl,hn->hl", c, kept, written.to(kept.dtype)).real


@dataclass(frozen=True)
class MemoryView:
    """half_lives (H,): each channel's memory in steps, now; start_half_lives (H,): where they started;
    response (H, L): the impulse response on the first test sequence."""

    half_lives: torch.Tensor
    start_half_lives: torch.Tensor
    response: torch.Tensor


def memory_view(model: nn.Module, x: torch.Tensor, start_half_lives: torch.Tensor) -> MemoryView:
    """The view of `model` (a copy: nothing here changes a job's) on test sequences x (B, L, F), beside
    the half-lives it started from."""
    layer = state_space_layer(model)
    return MemoryView(half_lives(layer, x), start_half_lives, impulse_response(layer, x[0]))


def view_sequences(ds) -> torch.Tensor:
    """The test sequences the views are measured on: the first 64."""
    return ds.test[0][:64]


def start_view(state: StateSpaceState, ds) -> MemoryView:
    """The view of the state's model with the weights a run of it starts from (the same for the same seed)."""
    model = seeded_build({"model": ssm_spec(state, ds)}, state.seed)["model"]
    x = view_sequences(ds)
    return memory_view(model, x, half_lives(state_space_layer(model), x))
