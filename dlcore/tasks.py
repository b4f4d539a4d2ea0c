"""Tasks: what a model learns from a dataset, one registered entry per task.

The one place that knows, for a task: what a target is, which losses suit it, whether a model's output
fits the loss and the targets (`check_compatibility`, the check every page and job uses), how the loss
reads the targets (`Task.layout`), whether predictions are scored as classes or as numbers, and which
recipe trains it when the student leaves the recipe on "auto".

Datasets carry a task (binary, multiclass, regression, sequence-to-sequence, generation); recipes learn
one: a supervised model on generation data (which has no targets) rebuilds its input, "reconstruction".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dlcore.errors import SpecError
from dlcore.optim import LOSSES
from dlcore.plan import Plan, as_spec, resolve
from dlcore.registry import Registry
from dlcore.spec import ModelSpec


@dataclass(frozen=True)
class Task:
    """name; description (for students); targets: what one target is; losses: those that suit the task,
    the usual one first; classes: predictions are classes (scored by accuracy) rather than numbers (R²);
    default_recipe: the recipe "auto" picks; per_position: one prediction per position of a sequence;
    check(plan, loss, classes, target_shape): raise SpecError with advice when the model's output cannot
    feed the loss; layout(loss, out_shape, classes): how the loss reads targets (see
    training.objective.Objective.kind); supervised_task: the task a supervised model learns on this data
    (itself when None, "reconstruction" when there is nothing to predict).
    """

    name: str
    description: str
    targets: str
    losses: tuple[str, ...]
    classes: bool
    default_recipe: str
    per_position: bool
    check: Callable[[Plan, str, int | None, tuple | None], None]
    layout: Callable[[str, tuple, int | None], str]
    supervised_task: str | None = None

    def learned_by_supervision(self) -> Task:
        """The task a supervised model learns on data of this task."""
        return TASKS.get(self.supervised_task or self.name)

    @property
    def class_per_example(self) -> bool:
        """Each example gets one class (what confusion matrices and class-decision views need)."""
        return self.classes and not self.per_position

    def suits(self, loss: str) -> bool:
        return loss in self.losses


# --- the output checks ------------------------------------------------------------------------------------


def _check_class_scores(plan: Plan, loss: str, classes: int | None, target) -> None:
    out = plan.output_shape
    if len(out) != 1:
        raise SpecError(
            f"{loss} needs one score per class for each example, but the model outputs {out}: add a Flatten "
            "(or a last-step recurrent layer) before the last Linear",
            field="output_shape",
        )
    if classes is None:
        return
    class_targets = LOSSES.get(loss).extra.get("class_targets", False)
    allowed = {(classes,)}
    if classes == 2 and not class_targets:
        allowed.add((1,))  # one yes/no score
    if out not in allowed:
        size = 1 if loss == "bce_with_logits" and classes == 2 else classes
        what = "a single yes/no score" if size == 1 else f"one output per class ({classes})"
        raise SpecError(
            f"{loss} needs {what}, but the model gives {out[0]}: " + fix_last_layer(plan, size),
            field="output_shape",
        )


def _check_token_scores(plan: Plan, loss: str, vocab: int | None, target) -> None:
    out = plan.output_shape
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
            + fix_last_layer(plan, vocab),
            field="output_shape",
        )


def _check_values(plan: Plan, loss: str, classes: int | None, target) -> None:
    _check_same_shape(plan, loss, target, "the targets")


def _check_reconstruction(plan: Plan, loss: str, classes: int | None, target) -> None:
    _check_same_shape(plan, loss, plan.spec.input_shape, "the input (the model rebuilds its input)")


def _check_same_shape(plan: Plan, loss: str, wanted, what: str) -> None:
    out = plan.output_shape
    if wanted is not None and out != tuple(wanted):
        wanted = tuple(wanted)
        raise SpecError(
            f"the model outputs {out} per example but {loss} compares it with {what}, shaped {wanted}: "
            + fix_last_layer(plan, wanted[-1] if len(out) == len(wanted) else None),
            field="output_shape",
        )


def _no_supervised_output(plan: Plan, loss: str, classes: int | None, target) -> None:
    raise SpecError(
        "this task has no targets to compare the output with: train it with the GAN or diffusion recipe",
        field="recipe",
    )


# --- how the loss reads the targets ---------------------------------------------------------------------


def _class_layout(loss: str, out_shape: tuple, classes: int | None) -> str:
    if LOSSES.get(loss).extra.get("class_targets", False):
        return "classes"  # class indices
    return "binary" if tuple(out_shape) == (1,) and classes == 2 else "onehot"


def _token_layout(loss: str, out_shape: tuple, classes: int | None) -> str:
    return "tokens"


def _value_layout(loss: str, out_shape: tuple, classes: int | None) -> str:
    return "values"


TASKS: Registry[Task] = Registry("task", SpecError)
for _task in (
    Task(
        "binary",
        "Tell two classes apart.",
        "a class index, 0 or 1",
        ("cross_entropy", "bce_with_logits", "nll", "mse", "l1", "huber", "kl_div"),
        True,
        "supervised",
        False,
        _check_class_scores,
        _class_layout,
    ),
    Task(
        "multiclass",
        "Pick one of several classes.",
        "a class index",
        ("cross_entropy", "nll", "mse", "l1", "huber", "bce_with_logits", "kl_div"),
        True,
        "supervised",
        False,
        _check_class_scores,
        _class_layout,
    ),
    Task(
        "regression",
        "Predict numbers.",
        "one or more numbers",
        ("mse", "l1", "huber", "bce_with_logits"),
        False,
        "supervised",
        False,
        _check_values,
        _value_layout,
    ),
    Task(
        "sequence-to-sequence",
        "Turn one sequence of tokens into another, a token per position.",
        "a token index at each position",
        ("cross_entropy", "nll"),
        True,
        "supervised",
        True,
        _check_token_scores,
        _token_layout,
    ),
    Task(
        "next-token",
        "Read a sequence and predict each next token, as a language model writes.",
        "the next token at each position",
        ("cross_entropy",),
        True,
        "language_model",
        True,
        _check_token_scores,
        _token_layout,
    ),
    Task(
        "reconstruction",
        "Rebuild the input from what the model keeps of it.",
        "the input itself",
        ("mse", "l1", "huber", "bce_with_logits"),
        False,
        "supervised",
        False,
        _check_reconstruction,
        _value_layout,
    ),
    Task(
        "generation",
        "Learn where the data lies, to make new examples like it.",
        "none: the examples themselves are what is learned",
        ("mse", "l1", "huber", "bce_with_logits"),
        False,
        "supervised",
        False,
        _no_supervised_output,
        _value_layout,
        supervised_task="reconstruction",
    ),
):
    TASKS.register(_task.name, _task)


# --- the check every page and job uses -------------------------------------------------------------------


def check_compatibility(
    spec: ModelSpec | dict,
    task: str,
    num_classes: int | None,
    loss: str,
    target_shape: tuple[int, ...] | None = None,
) -> None:
    """Raise SpecError with advice when `spec`'s output cannot feed `loss` for a supervised model on `task`
    data, else return None.

    num_classes: classes (binary: 2) or the vocabulary size for token targets; target_shape: one
    example's target shape without the batch (empty or (0,) when there are no targets).
    """
    plan = resolve(as_spec(spec))
    if task not in TASKS:
        raise SpecError(TASKS.unknown_message(task), field="task")
    learned = TASKS.get(task).learned_by_supervision()
    if loss not in LOSSES:
        raise SpecError(LOSSES.unknown_message(loss), field="loss")
    if not learned.suits(loss):
        raise SpecError(
            f"the {loss} loss does not suit a {task} task: use {' or '.join(suited_losses(task))}",
            field="loss",
        )
    _check_last_activation(plan, loss, LOSSES.get(loss).extra["expects"])
    target = tuple(target_shape) if target_shape and 0 not in tuple(target_shape) else None
    learned.check(plan, loss, num_classes, target)


def suited_losses(task: str) -> list[str]:
    """The losses that suit a supervised model on `task` data, the usual one first."""
    return [name for name in TASKS.get(task).learned_by_supervision().losses if name in LOSSES]


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


def fix_last_layer(plan: Plan, size: int | None) -> str:
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
