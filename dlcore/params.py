"""Param: one user-settable value (a layer argument, a dataset option, a hyperparameter).

The same description drives validation in the engine, the widgets and tooltips in the app, and the
help text a student reads, so it is written once, here, per value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dlcore.errors import excerpt

# kind -> what the value is
#   int, float, bool, str
#   choice   one of `choices`
#   ints     an int, or a list of ints of length `length` (kernel_size=3 or [3, 5])
#   intlist  a list of ints of any length (a shape such as [1, 28, 28])
KINDS = ("int", "float", "bool", "str", "choice", "ints", "intlist")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False  # None is allowed (e.g. "inferred from the previous layer")
    length: int = 2  # for kind "ints"
    log: bool = False  # widgets use a log scale (learning rates)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Param {self.name}: unknown kind {self.kind!r}")

    def coerce(self, value: Any) -> Any:
        """Return `value` converted to this param's type, or raise ValueError saying what to change."""
        if value is None:
            if self.optional:
                return None
            raise ValueError(f"'{self.name}' is required: {self.help}")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ValueError(f"'{self.name}' must be true or false, not {excerpt(value)}")
        if self.kind == "str":
            if isinstance(value, str):
                return value
            raise ValueError(f"'{self.name}' must be text, not {excerpt(value)}")
        if self.kind == "choice":
            if value in self.choices:
                return value
            options = ", ".join(repr(c) for c in self.choices)
            raise ValueError(f"'{self.name}' must be one of {options}, not {excerpt(value)}")
        if self.kind == "int":
            return self._in_range(_as_int(self.name, value))
        if self.kind == "float":
            return self._in_range(_as_float(self.name, value))
        if self.kind == "ints":
            if isinstance(value, (list, tuple)):
                if len(value) != self.length:
                    raise ValueError(
                        f"'{self.name}' needs one number or {self.length} numbers, not {excerpt(value)}"
                    )
                return tuple(self._in_range(_as_int(self.name, v)) for v in value)
            return self._in_range(_as_int(self.name, value))
        # intlist
        if not isinstance(value, (list, tuple)) or not value:
            raise ValueError(
                f"'{self.name}' must be a list of whole numbers such as [1, 28, 28], not {excerpt(value)}"
            )
        return tuple(self._in_range(_as_int(self.name, v)) for v in value)

    def to_text(self, value: Any) -> str:
        """`value` as text for a link's query string; `from_text` reads it back."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (list, tuple)):
            return ",".join(str(v) for v in value)
        return repr(value) if isinstance(value, float) else str(value)  # repr: every digit comes back

    def from_text(self, text: str) -> Any:
        """The value `text` (from a link) stands for, through `coerce`: ValueError naming the field when
        it is not one this param takes."""
        text = text.strip()
        if getattr(self, "multiple", False):  # a comma-separated list of choices
            return self.coerce(text)
        if text in ("", "none"):
            return self.coerce(None)
        if self.kind == "bool":
            return self.coerce({"true": True, "false": False}.get(text.lower(), text))
        if self.kind == "choice":  # choices may be numbers (an image size of 28 or 32)
            return self.coerce(next((c for c in self.choices if str(c) == text), text))
        if self.kind == "intlist" or (self.kind == "ints" and "," in text):
            return self.coerce(text.split(","))
        return self.coerce(text)

    def _in_range(self, number):
        if self.min is not None and number < self.min:
            raise ValueError(f"'{self.name}' must be at least {_fmt(self.min)}, not {_fmt(number)}")
        if self.max is not None and number > self.max:
            raise ValueError(f"'{self.name}' must be at most {_fmt(self.max)}, not {_fmt(number)}")
        return number


def _as_int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"'{name}' must be a whole number, not {excerpt(value)}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{name}' must be a whole number, not {excerpt(value)}")


def _as_float(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"'{name}' must be a number, not {excerpt(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"'{name}' is far too large a number") from None
    except (TypeError, ValueError):
        raise ValueError(f"'{name}' must be a number, not {excerpt(value)}") from None
    if not math.isfinite(number):
        raise ValueError(f"'{name}' must be a finite number, not {excerpt(value)}")
    return number


def _fmt(number: float) -> str:
    return f"{number:g}" if isinstance(number, float) else excerpt(number)


def coerce_all(params: tuple[Param, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Fill defaults and coerce every value; unknown keys are an error. Raises ValueError(field, message)."""
    known = {p.name: p for p in params}
    for key in values:
        if key not in known:
            raise ParamValueError(
                key, f"unknown setting {excerpt(key)} (known: {', '.join(known) or 'none'})"
            )
    out = {}
    for p in params:
        try:
            out[p.name] = p.coerce(values.get(p.name, p.default))
        except ValueError as err:
            raise ParamValueError(p.name, str(err)) from err
    return out


class ParamValueError(ValueError):
    """A bad value, with the name of the field it belongs to (engines turn it into their own error type)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
