"""Errors written for students: what is wrong, where, and what to try.

Every error the engine raises on bad input is a DlcoreError (a ValueError), so pages can catch one type
and show its message beside the thing that caused it. A raw traceback in the browser is a bug.
"""

from __future__ import annotations

import reprlib

EXCERPT_CHARS = 40  # an error message quotes at most this much of what the user gave
_SHORT = reprlib.Repr()
_SHORT.maxlevel = 2
_SHORT.maxstring = _SHORT.maxlong = _SHORT.maxother = EXCERPT_CHARS


def excerpt(value: object) -> str:
    """A short repr of `value` for an error message: never more than EXCERPT_CHARS of a huge input."""
    try:
        text = _SHORT.repr(value)
    except ValueError:  # an int too long to write out in full
        return "a number with thousands of digits"
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


class DlcoreError(ValueError):
    """Base class: the message is meant to be shown to a student as it is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class SpecError(DlcoreError):
    """An architecture that cannot be built, or does not fit the loss/task.

    `layer_index` is the top-level layer's position (0-based), `layer_path` the full position for nested
    layers (e.g. (3, 1) = second layer inside block 3), `layer_type` its type and `field` the parameter.
    """

    def __init__(
        self,
        message: str,
        *,
        layer_index: int | None = None,
        layer_type: str | None = None,
        field: str | None = None,
        layer_path: tuple[int, ...] | None = None,
    ):
        if layer_path is None and layer_index is not None:
            layer_path = (layer_index,)
        if layer_index is None and layer_path:
            layer_index = layer_path[0]
        where = ""
        if layer_path:
            where = "Layer " + ".".join(str(i + 1) for i in layer_path)
            if layer_type:
                where += f" ({layer_type})"
            if field:
                where += f", field '{field}'"
            where += ": "
        super().__init__(where + message, field=field)
        self.reason = message
        self.layer_index = layer_index
        self.layer_path = layer_path
        self.layer_type = layer_type


class DataError(DlcoreError):
    """A dataset name, option or uploaded file that cannot be used."""


class TrainError(DlcoreError):
    """A training configuration or job request that cannot run (bad hyperparameter, limits reached)."""


class DeployError(DlcoreError):
    """A model that cannot be exported, quantised or pruned as asked: which layer, and why."""


class RunError(DlcoreError):
    """A kept run that cannot be found, read or written (the run store: dlcore.runs)."""


class ClassroomError(DlcoreError):
    """A class, challenge or hand-in request that is refused (dlcore.classroom): `field` names the input
    to change ("code", "name", "run", "password", ...)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


class TooManyAttempts(ClassroomError):
    """Too many wrong teacher passwords from one client: it must wait `wait_s` seconds first."""

    def __init__(self, wait_s: float):
        self.wait_s = float(wait_s)
        super().__init__(
            f"Too many wrong passwords: wait {max(1, round(self.wait_s))} s, then try again.", "password"
        )
