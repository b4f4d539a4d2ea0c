"""Does this model fit this task and loss? Checks with advice a student can act on."""

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
    example's target shape without the batch (regression values, token sequences), when known.
    """
    plan = resolve(as_spec(spec))
    if task not in TASKS:
        raise SpecError(f"unknown task {task!r}: use one of {', '.join(TASKS)}", field="task")
    if loss not in LOSSES:
        raise SpecError(LOSSES.unknown_message(loss), field="loss")
    entry = LOSSES.get(loss)
    if task not in entry.extra["tasks"]:
        suited = [name for name, e in LOSSES.items() if task in e.extra["tasks"]]
        raise SpecError(
            f"the {loss} loss does not suit a {task} task: use {' or '.join(suited)}", field="loss"
        )
    _check_last_activation(plan, loss, entry.extra["expects"])
    out = plan.output_shape
    target = tuple(target_shape) if target_shape else None
    if entry.extra["expects"] == "values":
        if target is not None and out != target:
            raise SpecError(
                f"the model outputs {out} per example but the targets are {target}: "
                + _fix_last_layer(plan, target[-1] if len(out) == len(target) else None),
                field="output_shape",
            )
        return
    if loss == "bce_with_logits":
        if out != (1,) and (target is None or out != target):
            raise SpecError(
                f"bce_with_logits needs one output (a single yes/no score), but the model outputs "
                f"{out}: " + _fix_last_layer(plan, 1),
                field="output_shape",
            )
        return
    if loss == "kl_div":
        return
    classes = out[-1]
    per_step = task == "sequence-to-sequence"
    if per_step and (len(out) != 2 or (target is not None and out[0] != target[0])):
        steps = target[0] if target else "L"
        raise SpecError(
            f"{loss} on sequences needs one score per class at every step ({steps}, classes), but "
            f"the model outputs {out}: keep return_sequence on and apply the last Linear per step",
            field="output_shape",
        )
    if not per_step and len(out) != 1:
        raise SpecError(
            f"{loss} needs one score per class for each example, but the model outputs {out}: "
            "add a Flatten (or a last-step recurrent layer) before the last Linear",
            field="output_shape",
        )
    if num_classes is not None and classes != num_classes:
        raise SpecError(
            f"{loss} needs one output per class ({num_classes}), but the model gives {classes}: "
            + _fix_last_layer(plan, num_classes),
            field="output_shape",
        )


def _check_last_activation(plan: Plan, loss: str, expects: str) -> None:
    last = plan.nodes[-1]
    name = last.type.name
    if expects == "logits" and name in ("Softmax", "LogSoftmax", "Sigmoid"):
        raise SpecError(
            f"{loss} takes raw scores and applies the {'sigmoid' if 'bce' in loss else 'softmax'} "
            f"itself: remove the final {name} (layer {len(plan.nodes)})",
            field="loss",
        )
    if expects == "log_probabilities" and name != "LogSoftmax":
        raise SpecError(
            f"{loss} expects log-probabilities: end the model with a LogSoftmax layer, or use "
            "cross_entropy on raw scores",
            field="loss",
        )


def _fix_last_layer(plan: Plan, size: int | None) -> str:
    """Advice naming the last Linear (or conv) whose size sets the output."""
    last = None
    for node in plan.walk():
        if node.type.name in ("Linear", "Conv2d", "ConvTranspose2d", "Conv1d") and not node.name.endswith(
            "shortcut"
        ):
            last = node
    if last is None or size is None:
        return "change the last layers so the output shape matches"
    field = "out_features" if last.type.name == "Linear" else "out_channels"
    where = ".".join(str(i + 1) for i in last.path)
    return f"set the {last.type.name}'s {field} (layer {where}) to {size}"
