"""The language-model recipe: a token task learned as next-token prediction, the way GPT learns text.

The model reads one sequence, the question followed by the answer, and at every position predicts the
next token. Causal attention lets position p see only tokens 0..p, so while it writes answer token k it
has read the question and the answer's first k tokens, never the rest. Only the answer's predictions
count (loss and accuracy): the question is given, not learned.

    question q (Lq tokens), answer a (La tokens):   reads  q1 .. qLq a1 .. a(La-1)     (Lq + La - 1)
                                                    writes          a1 a2 .. aLa       (from position Lq-1)

The model's length is fixed (PositionalEncoding has one code per position), so decoding always feeds
all Lq + La - 1 positions: the ones not yet written hold a placeholder the causal mask keeps unseen.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcore.errors import SpecError, TrainError
from dlcore.optim import make_loss
from dlcore.params import Param
from dlcore.plan import resolve
from dlcore.tasks import TASKS
from dlcore.training.loop import steps_per_epoch
from dlcore.training.recipe import Recipe, RecipeKind, TrainData, optimizer_for, register_recipe, schedule_for

NEXT_TOKEN = TASKS.get("next-token")  # what the model learns: its losses and its output check
ATTENTION_TYPES = ("MultiheadSelfAttention", "TransformerEncoderLayer")
DECODE_BATCH = 512  # questions answered at once when decoding a whole split

PARAMS = (
    Param(
        "decode_examples",
        "int",
        200,
        "Held-out questions the model answers on its own, token by token, at each evaluation (its "
        "whole-answer accuracy); 0 skips it.",
        min=0,
        max=10_000,
    ),
)


def sequence_length(ds) -> int:
    """The model's input length for a token dataset: the question, then the answer but its last token."""
    return ds.input_shape[0] + ds.target_shape[0] - 1


def _layer(path: tuple[int, ...]) -> str:
    return ".".join(str(i + 1) for i in path)


def check(specs, ds, cfg, options) -> None:
    """A token dataset, a next-token loss, a model as long as question + answer - 1 that scores every
    token at every position, and attention that cannot read ahead."""
    if getattr(ds, "vocab_size", None) is None or ds.task not in LANGUAGE.tasks:
        raise TrainError(
            f"the language_model recipe learns token tasks (reverse, sort, add), but '{ds.name}' is a "
            f"{ds.task} dataset: choose the supervised recipe, or a token dataset",
            field="recipe",
        )
    if not NEXT_TOKEN.suits(cfg.loss):
        raise TrainError(
            f"a language model learns by the cross-entropy of each next token, not {cfg.loss}: "
            f"choose {' or '.join(NEXT_TOKEN.losses)}",
            field="loss",
        )
    spec = specs["model"]
    length, vocab = sequence_length(ds), ds.vocab_size
    if tuple(spec.input_shape) != (length,):
        raise SpecError(
            f"a language model reads the question ({ds.input_shape[0]} tokens) and then the answer "
            f"without its last token ({ds.target_shape[0] - 1}): set the model's input_shape to [{length}], "
            f"not {list(spec.input_shape)}",
            field="input_shape",
        )
    plan = resolve(spec)
    if not plan.takes_tokens or plan.nodes[0].args["num_embeddings"] < vocab:
        raise SpecError(
            f"the first layer must be an Embedding with num_embeddings of at least {vocab} (this "
            "dataset's tokens)",
            layer_index=0,
            layer_type=plan.nodes[0].type.name,
            field="num_embeddings",
        )
    NEXT_TOKEN.check(plan, cfg.loss, vocab, (length,))  # a score for every token at every position
    for node in plan.walk():
        if node.type.name in ATTENTION_TYPES and not node.args["causal"]:
            raise SpecError(
                "this attention sees every position, so while writing an answer token it could read the "
                f"answer's next tokens and copy them: set causal on layer {_layer(node.path)}",
                layer_path=node.path,
                layer_type=node.type.name,
                field="causal",
            )
        if node.args.get("bidirectional"):
            raise SpecError(
                "a bidirectional layer also reads the sequence backwards, from the answer's last token: "
                f"turn bidirectional off on layer {_layer(node.path)}",
                layer_path=node.path,
                layer_type=node.type.name,
                field="bidirectional",
            )


def _next_token_data(ds, device: torch.device) -> TrainData:
    """Each split as (model input (N, Lq + La - 1), answer (N, La)), on the device."""

    def split(pair):
        question, answer = pair
        read = torch.cat([question, answer], dim=1)[:, :-1]
        return read.to(device), answer.to(device)

    return TrainData(split(ds.train), split(ds.val), split(ds.test))


class LanguageModel(Recipe):
    """Next-token prediction on a token task; teacher-forced training, greedy decoding to answer."""

    log_names = ("loss",)

    def __init__(self, model: nn.Module, ds, cfg, options: dict, device: torch.device):
        self.models = {"model": model}
        self.data = _next_token_data(ds, device)
        self.question_length, self.answer_length = ds.input_shape[0], ds.target_shape[0]
        self.decode_examples = options["decode_examples"]
        self.loss_fn = make_loss("cross_entropy", **cfg.loss_options)
        optimizer = optimizer_for(model, cfg)
        schedule = schedule_for(optimizer, cfg, steps_per_epoch(len(self.data.train[0]), cfg.batch_size))
        self.optimizers = {"model": optimizer}
        self.schedules = {"model": schedule} if schedule is not None else {}
        self._correct = torch.zeros((), device=device, dtype=torch.long)  # answer tokens right, on device
        _refuse_peeking(model, self.data.train[0], self.question_length)

    def answer_scores(self, x: torch.Tensor) -> torch.Tensor:
        """(B, La, V) scores of the answer tokens: the predictions from position Lq - 1 on."""
        return self.models["model"](x)[:, self.question_length - 1 :]

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        optimizer = self.optimizers["model"]
        optimizer.zero_grad(set_to_none=True)
        scores = self.answer_scores(x)  # (B, La, V)
        loss = self.loss_fn(scores.transpose(1, 2), y)  # cross_entropy wants the tokens on dim 1
        loss.backward()
        optimizer.step()
        self._correct += (scores.detach().argmax(-1) == y).sum()
        return {"loss": loss.detach()}

    @property
    def capturable(self) -> bool:
        return True  # fixed shapes, a fixed slice, no host reads: the whole step can be replayed

    def train_scores(self, samples: int) -> dict[str, float]:
        if not samples:
            return {}
        accuracy = float(self._correct) / (samples * self.answer_length)  # host sync, a few times a second
        self.restart_scores()
        return {"train_accuracy": accuracy}

    def restart_scores(self) -> None:
        self._correct.zero_()

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Teacher-forced loss and token accuracy, and the share of whole answers greedy decoding gets right
        (on the first `decode_examples` questions)."""
        if len(x) == 0:
            return {}
        model = self.models["model"]
        was_training = model.training
        model.eval()
        try:
            scores = torch.cat(
                [self.answer_scores(x[i : i + DECODE_BATCH]) for i in range(0, len(x), DECODE_BATCH)]
            )
            result = {
                "loss": float(self.loss_fn(scores.transpose(1, 2), y)),
                "accuracy": float((scores.argmax(-1) == y).float().mean()),
            }
            if self.decode_examples:
                keep = slice(0, self.decode_examples)
                answers = self._decode(x[keep, : self.question_length])
                result["answer_accuracy"] = float((answers == y[keep]).all(dim=1).float().mean())
            return result
        finally:
            model.train(was_training)

    @torch.no_grad()
    def complete(self, questions: torch.Tensor) -> torch.Tensor:
        """Greedy answers (B, La) to questions (B, Lq) or one question (Lq,), written one token at a time,
        each from the question and the tokens written before it. On the CPU."""
        model = self.models["model"]
        device = next(model.parameters()).device
        single = questions.dim() == 1
        questions = questions.reshape(-1, self.question_length).to(device)
        was_training = model.training
        model.eval()
        try:
            answers = torch.cat(
                [
                    self._decode(questions[i : i + DECODE_BATCH])
                    for i in range(0, len(questions), DECODE_BATCH)
                ]
            )
        finally:
            model.train(was_training)
        return (answers[0] if single else answers).cpu()

    def _decode(self, questions: torch.Tensor) -> torch.Tensor:
        """(B, La) greedy answers; the model is in eval mode and gradients are off."""
        lq, la = self.question_length, self.answer_length
        # Positions not written yet hold token 0: causal attention never lets an earlier position see them.
        read = torch.cat([questions, questions.new_zeros(len(questions), la - 1)], dim=1)
        answer = questions.new_empty(len(questions), la)
        for k in range(la):
            answer[:, k] = self.models["model"](read)[:, lq - 1 + k].argmax(-1)
            if k < la - 1:
                read[:, lq + k] = answer[:, k]
        return answer


@torch.no_grad()
def _refuse_peeking(model: nn.Module, x: torch.Tensor, question_length: int) -> None:
    """SpecError when a prediction of the answer changes with a later token: some layer that mixes
    positions (a Conv1d, a Flatten, a reshape) lets the model read ahead, so it would learn to copy."""
    base = x[:1]
    later = range(question_length, x.shape[1])  # answer tokens the model reads
    if not later:
        return
    probes = base.repeat(len(later) + 1, 1)
    for row, t in enumerate(later, start=1):
        probes[row, t] = (probes[row, t] + 1) % (int(x.max()) + 1)
    was_training = model.training
    model.eval()
    try:
        out = model(probes)
    finally:
        model.train(was_training)
    for row, t in enumerate(later, start=1):
        seen = out[row, question_length - 1 : t] - out[0, question_length - 1 : t]  # predictions before t
        moved = (seen.abs().amax(-1) > 1e-5).nonzero()
        if len(moved):
            position = question_length + int(moved[0])
            raise SpecError(
                f"the prediction at position {position} changes when token {t + 1}, later in the answer, "
                "changes: the model reads ahead and would learn to copy the answer. Keep every layer "
                "per-position (Linear, LayerNorm, activations) or causal (attention with causal on, one-way "
                "recurrent layers): convolutions, Flatten and reshapes mix positions from both sides",
                field="layers",
            )


LANGUAGE = register_recipe(
    RecipeKind(
        name="language_model",
        title="Language model",
        description="Reads the question, then writes the answer one token at a time, each predicted from "
        "everything before it (next-token prediction with causal attention), as GPT writes text.",
        roles=("model",),
        tasks=("sequence-to-sequence",),
        check=check,
        build=lambda models, ds, cfg, options, device: LanguageModel(
            models["model"], ds, cfg, options, device
        ),
        params=PARAMS,
    )
)
