"""Does this model fit this task and loss? Checks with advice a student can act on.

The rules match how training lays out targets: class-index losses (cross_entropy, nll) want one score
per class; value losses (mse, l1, huber, bce_with_logits) on classes compare one-hot targets (or a
single 0/1 output for binary tasks); regression compares the target values; a generative model with
no targets rebuilds its input; token tasks want one score per token at every position.
"""

from __future__ import annotations

from dlcore.errors import SpecError
from dlcore.optim import LOSSES
from dlcore.plan import Plan, as_spec, resolve
from dlcore.spec import ModelSpec

TASKS = ("binary", "multiclass", "regression", "generative", "sequence-to-sequence")


def check_compatibility(
    spec: ModelSpec | dict,
    task: str,
    num_classes: int | None,
    loss: str,
    target_shape: tuple[int, ...] | None = None,
) -> None:
    """Raise SpecError with advice when `spec`'s output cannot feed `loss` for `task`, else return None.

    task: "binary", "multiclass", "regression", "generative" or "sequence-to-sequence";
    num_classes: classes (binary: 2) or the vocabulary size for token targets; target_shape: one
    example's target shape without the batch (empty or (0,) when there are no targets).
    """
    plan = resolve(as_spec(spec))
    if task not in TASKS:
        raise SpecError(f"unknown task {task!r}: use one of {', '.join(TASKS)}", field="task")
    if loss not in LOSSES:
        raise SpecError(LOSSES.unknown_message(loss), field="loss")
    entry = LOSSES.get(loss)
    if task not in entry.extra["tasks"]:
        raise SpecError(
            f"the {loss} loss does not suit a {task} task: use {' or '.join(suited_losses(task))}",
            field="loss",
        )
    _check_last_activation(plan, loss, entry.extra["expects"])
    out = plan.output_shape
    target = tuple(target_shape) if target_shape and 0 not in tuple(target_shape) else None
    if task in ("binary", "multiclass"):
        _check_class_scores(plan, loss, out, task, num_classes, entry.extra.get("class_targets", False))
    elif task == "sequence-to-sequence":
        _check_token_scores(plan, loss, out, num_classes, target)
    else:
        wanted = target if target is not None or task == "regression" else plan.spec.input_shape
        if wanted is not None and out != wanted:
            what = "the targets" if target is not None else "the input (the model rebuilds its input)"
            raise SpecError(
                f"the model outputs {out} per example but {loss} compares it with {what}, shaped {wanted}: "
                + _fix_last_layer(plan, wanted[-1] if len(out) == len(wanted) else None),
                field="output_shape",
            )


def suited_losses(task: str) -> list[str]:
    """The losses that suit `task`, in the loss catalogue's order (mse first for values)."""
    return [name for name, entry in LOSSES.items() if task in entry.extra["tasks"]]


def better_loss(task: str, loss: str) -> tuple[str, str] | None:
    """(loss, why) when `task` has classes but `loss` treats them as numbers, else None.

    A value loss (mse, l1, huber) on classes trains, so nothing stops it; but a student who picked a
    classification dataset after a regression run should hear that a loss made for classes exists.
    """
    if LOSSES.get(loss).extra["expects"] != "values" or loss not in suited_losses(task):
        return None  # a loss made for the task, or one that does not suit it at all (a blocking problem)
    for name in suited_losses(task):
        if LOSSES.get(name).extra.get("class_targets"):
            why = (
                f"{loss} treats the classes as numbers to hit. It trains, but {name} is made for "
                "choosing a class: it usually learns faster and its scores read as probabilities."
            )
            return name, why
    return None


def _check_class_scores(plan: Plan, loss: str, out, task: str, classes: int | None, class_targets: bool):
    if len(out) != 1:
        raise SpecError(
            f"{loss} needs one score per class for each example, but the model outputs {out}: add a Flatten "
            "(or a last-step recurrent layer) before the last Linear",
            field="output_shape",
        )
    if classes is None:
        return
    allowed = {(classes,)}
    if task == "binary" and not class_targets:
        allowed.add((1,))  # one yes/no score
    if out not in allowed:
        size = 1 if loss == "bce_with_logits" and task == "binary" else classes
        what = "a single yes/no score" if size == 1 else f"one output per class ({classes})"
        raise SpecError(
            f"{loss} needs {what}, but the model gives {out[0]}: " + _fix_last_layer(plan, size),
            field="output_shape",
        )


def _check_token_scores(plan: Plan, loss: str, out, vocab: int | None, target) -> None:
    steps = target[0] if target else None
    if len(out) != 2 or (steps is not None and out[0] != steps):
        raise SpecError(
            f"{loss} on token sequences needs a score per token at each of the {steps or 'L'} positions, "
            f"but the model outputs {out}: keep one vector per position (no Flatten, return_sequence on) and "
            "end with a Linear",
            field="output_shape",
        )
    if vocab is not None and out[1] != vocab:
        raise SpecError(
            f"{loss} needs one score per token ({vocab}) at each position, but the model gives {out[1]}: "
            + _fix_last_layer(plan, vocab),
            field="output_shape",
        )


def _check_last_activation(plan: Plan, loss: str, expects: str) -> None:
    last = plan.nodes[-1]
    name = last.type.name
    if expects == "logits" and name in ("Softmax", "LogSoftmax", "Sigmoid"):
        squash = "sigmoid" if loss == "bce_with_logits" else "softmax"
        raise SpecError(
            f"{loss} takes raw scores and applies the {squash} itself: remove the final {name} "
            f"(layer {len(plan.nodes)})",
            field="loss",
        )
    if expects == "log_probabilities" and name != "LogSoftmax":
        raise SpecError(
            f"{loss} expects log-probabilities: end the model with a LogSoftmax layer, or use cross_entropy "
            "on raw scores",
            field="loss",
        )


def _fix_last_layer(plan: Plan, size: int | None) -> str:
    """Advice naming the last Linear (or convolution) whose size sets the output."""
    last = None
    for node in plan.walk():
        if (
            node.type.name in ("Linear", "Conv2d", "ConvTranspose2d", "Conv1d")
            and node.local_name != "shortcut"
        ):
            last = node
    if last is None or size is None:
        return "change the last layers so the output shape matches"
    field = "out_features" if last.type.name == "Linear" else "out_channels"
    where = ".".join(str(i + 1) for i in last.path)
    return f"set the {last.type.name}'s {field} (layer {where}) to {size}"
