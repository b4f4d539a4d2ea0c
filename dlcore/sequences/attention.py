"""The Sequences page's attention tab: a small transformer learning a token task while its attention maps,
per layer and head, are drawn with the tokens on the axes.

    state = AttentionState(task="reverse", layers=1, heads=1)
    ds = dataset(state); job = start_training(model_spec(state, ds), ds, train_config(state))
    view = attention_view(job.snapshot(), state, ds)       # maps, axis labels, the answer, positions

With the full mask every position sees the whole input and writes its own answer token (the supervised
recipe). With the causal mask a position sees only itself and what came before, so the model reads the
question and then writes the answer one token at a time (the language-model recipe), as GPT does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import nn

from dlcore.data.catalogue import load
from dlcore.data.dataset import Dataset
from dlcore.errors import DlcoreError, SpecError
from dlcore.inspect import attention_weights
from dlcore.jobs.job import seeded_build
from dlcore.layers import PositionalEncoding
from dlcore.optim import LEARNING_RATE
from dlcore.params import Param
from dlcore.plan import validate as validate_spec
from dlcore.sequences.link import param_link, register_tab_link
from dlcore.spec import ModelSpec
from dlcore.training import TrainConfig
from dlcore.training.language import sequence_length

TASKS = ("reverse", "sort", "copy", "add")
SEQUENCES = 2000  # examples generated for a task: enough to learn each in seconds on a CPU
EXAMPLES = 100  # test inputs the view can show

PARAMS: tuple[Param, ...] = (
    Param("task", "choice", "reverse", "What the transformer learns to do with the digits.", choices=TASKS),
    Param("length", "int", 8, "Digits in each input (for add: in the two numbers together).", min=4, max=12),
    Param("layers", "int", 1, "Attention layers stacked one after another.", min=1, max=4),
    Param(
        "heads",
        "int",
        2,
        "Attention heads per layer: each learns its own pattern. They must divide the width.",
        min=1,
        max=8,
    ),
    Param(
        "width",
        "int",
        32,
        "Numbers per token (the embedding size), shared out among the heads.",
        min=8,
        max=128,
    ),
    Param(
        "mask",
        "choice",
        "full",
        "'full': every position sees the whole input. 'causal': each sees only itself and earlier positions, "
        "so the model reads the question, then writes the answer one token at a time, as GPT writes text.",
        choices=("full", "causal"),
    ),
    Param(
        "positions",
        "choice",
        "learned",
        "How attention tells positions apart: a learned code per position, fixed sine waves, or off "
        "(then it sees the input as a bag of tokens, in no order).",
        choices=("learned", "sinusoidal", "off"),
    ),
    replace(LEARNING_RATE, default=0.005),  # its bounds and help, a default that learns these tasks fast
    Param("epochs", "int", 30, "Passes over the training examples.", min=1, max=1000),
    Param("seed", "int", 0, "Seed of the data and the first weights.", min=0, max=2**31 - 1),
    Param("example", "int", 0, "Which test input the maps show.", min=0, max=EXAMPLES - 1),
)
PARAM = {param.name: param for param in PARAMS}


@dataclass(frozen=True)
class AttentionState:
    """The attention tab in one browser tab; replaced whole, never changed in place."""

    task: str = "reverse"
    length: int = 8
    layers: int = 1
    heads: int = 2
    width: int = 32
    mask: str = "full"
    positions: str = "learned"
    lr: float = 0.005
    epochs: int = 30
    seed: int = 0
    example: int = 0

    @property
    def causal(self) -> bool:
        return self.mask == "causal"


def data_options(state: AttentionState) -> dict:
    """The task's dataset options: `length` digits, or for add two numbers of length // 2 digits each."""
    size = {"digits": state.length // 2} if state.task == "add" else {"length": state.length}
    return {**size, "num_sequences": SEQUENCES, "seed": state.seed}


def dataset(state: AttentionState) -> Dataset:
    return load(state.task, **data_options(state))


def model_spec(state: AttentionState, ds: Dataset) -> ModelSpec:
    """Token embedding, positions, `layers` transformer layers, then a score for every token per position."""
    vocab = ds.vocab_size
    length = sequence_length(ds) if state.causal else ds.input_shape[0]
    positions = [] if state.positions == "off" else [{"type": "PositionalEncoding", "kind": state.positions}]
    attention = {
        "type": "TransformerEncoderLayer",
        "nhead": state.heads,
        "dim_feedforward": 2 * state.width,
        "dropout": 0.0,
        "causal": state.causal,
    }
    return ModelSpec.from_dict(
        {
            "input_shape": [length],
            "layers": [
                {"type": "Embedding", "num_embeddings": vocab, "embedding_dim": state.width},
                *positions,
                *[dict(attention) for _ in range(state.layers)],
                {"type": "Linear", "out_features": vocab},
            ],
        }
    )


def train_config(state: AttentionState, **settings) -> TrainConfig:
    """Adam on cross-entropy; the language-model recipe under the causal mask. `settings` override."""
    recipe = {"recipe": "language_model", "recipe_options": {"decode_examples": 100}} if state.causal else {}
    return TrainConfig(
        loss="cross_entropy",
        optimizer="adam",
        lr=state.lr,
        batch_size=64,
        epochs=state.epochs,
        seed=state.seed,
        **{**recipe, **settings},
    )


def check_heads(heads: int, width: int, spec: Callable[[], ModelSpec]) -> None:
    """DlcoreError (field 'heads') when `heads` do not divide `width`: the catalogue's own message, which
    names the layer and its field as the Build page does, and the tab's fields to change."""
    if width % heads == 0:
        return
    try:
        validate_spec(spec())
    except SpecError as err:
        raise DlcoreError(
            f"{err.message}. On this tab: choose Heads that divide the Width ({width}), or another Width.",
            field="heads",
        ) from None


LINK = register_tab_link(
    param_link(
        "attention",
        AttentionState,
        PARAMS,
        lambda state: check_heads(state.heads, state.width, lambda: model_spec(state, dataset(state))),
    )
)


# ---------------------------------------------------------------- what the model does with one input


@dataclass(frozen=True)
class AttentionView:
    """Where every head of every attention layer looked for one input, ready to draw.

    `maps`: one (heads, L, L) tensor per attention layer, in order; row i is how much position i drew
    from every position. `keys`: the token at each position (the columns); `queries`: the rows, each
    position's token and, where it writes one, the answer token it must write ("3→5"). `answer` and
    `written`: the right answer and what the model wrote (teacher-forced under the causal mask).
    `positions`: the (L, D) positional codes added to the tokens, or None without them.
    """

    maps: list[torch.Tensor]
    keys: list[str]
    queries: list[str]
    answer: list[str]
    written: list[str]
    positions: torch.Tensor | None


def model_input(state: AttentionState, question: torch.Tensor, answer: torch.Tensor):
    """What the model reads for one example: the question (full mask), or question then answer but its
    last token (causal mask, the language model's input)."""
    return torch.cat([question, answer[:-1]]) if state.causal else question


@torch.no_grad()
def attention_view(model: nn.Module, state: AttentionState, ds: Dataset) -> AttentionView:
    """The attention maps and answer of test input `state.example` (on the CPU)."""
    torch.set_num_threads(1)  # tiny tensors: a second thread spins against the training threads
    questions, answers = ds.test
    index = min(state.example, len(questions) - 1)
    question, answer = questions[index], answers[index]
    read = model_input(state, question, answer)
    device = next(model.parameters()).device
    out, weights = attention_weights(model, read[None].to(device))
    scores = out[0].cpu()  # (L, V)
    first = len(question) - 1 if state.causal else 0  # the position that writes the answer's first token
    written = scores[first : first + len(answer)].argmax(-1)
    names = ds.class_names
    keys = [names[int(t)] for t in read]
    queries = [
        f"{key}→{names[int(answer[i - first])]}" if 0 <= i - first < len(answer) else key
        for i, key in enumerate(keys)
    ]
    return AttentionView(
        maps=[w[0] for w in weights.values()],
        keys=keys,
        queries=queries,
        answer=[names[int(t)] for t in answer],
        written=[names[int(t)] for t in written],
        positions=positional_codes(model),
    )


def positional_codes(model: nn.Module) -> torch.Tensor | None:
    """The (L, D) codes the model's PositionalEncoding adds to the tokens, or None without one."""
    for module in model.modules():
        if isinstance(module, PositionalEncoding):
            return module.embedding[0].detach().cpu().clone()
    return None


@torch.no_grad()
def mirror_attention(model: nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    """(layers, heads): the share of attention each head puts on the mirror position (row i on column
    L - 1 - i: what solves `reverse`), averaged over the inputs (N, L). Full-mask models."""
    _, weights = attention_weights(model, inputs)
    length = inputs.shape[1]
    rows = torch.arange(length)
    # (N, heads, L, L) -> each head's mean weight on column L - 1 - i of row i
    return torch.stack([w[:, :, rows, length - 1 - rows].mean(dim=(0, 2)) for w in weights.values()])


def untrained_model(state: AttentionState, ds: Dataset) -> nn.Module:
    """The state's model with the weights a run of it starts from."""
    return seeded_build({"model": model_spec(state, ds)}, state.seed)["model"]
