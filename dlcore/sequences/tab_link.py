"""A tab's state whose every field is a `Param`, to and from the page's link.

The Sequences page's tabs share one address bar, so each tab writes its fields under its own prefix
(`?att.task=sort&att.heads=4`), and only those that differ from a new tab's. Reading a link keeps every
value it can and says, for each one it cannot use, why (that field keeps its default), so a mistyped link
still opens a working tab. Bounds and help live in the Params: the widgets, the link and the checks read
them from there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from typing import Any, TypeVar

from dlcore.errors import DlcoreError
from dlcore.params import Param

S = TypeVar("S")


def check_fields(state: Any, params: Mapping[str, Param]) -> None:
    """DlcoreError naming the field whose value its Param refuses."""
    for name, param in params.items():
        try:
            param.coerce(getattr(state, name))
        except ValueError as err:
            raise DlcoreError(str(err), field=name) from None


def to_query(state: Any, params: Mapping[str, Param], prefix: str) -> dict[str, str]:
    """The fields of `state` that differ from a fresh one's, as `prefix.name` query parameters."""
    fresh = type(state)()
    return {
        f"{prefix}.{name}": param.to_text(getattr(state, name))
        for name, param in params.items()
        if getattr(state, name) != getattr(fresh, name)
    }


def from_query(
    query: Mapping[str, str], make: Callable[[], S], params: Mapping[str, Param], prefix: str, validate
) -> tuple[S, list[str]]:
    """A state from a link's `prefix.*` parameters, and a sentence for each value it could not use."""
    state, problems = make(), []
    names = {f.name for f in fields(state)}
    for name, param in params.items():
        key = f"{prefix}.{name}"
        if key not in query or name not in names:
            continue
        try:
            changed = replace(state, **{name: _read(param, query[key])})
            validate(changed)
        except (DlcoreError, ValueError) as err:
            why = err.message if isinstance(err, DlcoreError) else str(err)
            problems.append(f"The link's {key} could not be used: {why}")
            continue
        state = changed
    return state, problems


def _read(param: Param, text: str) -> Any:
    # text is taken as typed: from_text would strip a prompt's trailing space and read "" as no value
    return param.coerce(text) if param.kind == "str" else param.from_text(text)
