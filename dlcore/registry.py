"""Registry: one table per kind of thing (layers, losses, datasets ...), loud on unknown or repeated names."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Generic, TypeVar

from dlcore.errors import DlcoreError, excerpt

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps a name to an entry. `get` of an unknown name suggests the closest known names."""

    def __init__(self, kind: str, error: type[DlcoreError] = DlcoreError):
        self.kind = kind
        self.error = error
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> T:
        if name in self._entries:
            raise KeyError(f"{self.kind} '{name}' is registered twice")
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise self.error(self.unknown_message(name)) from None

    def unknown_message(self, name: object) -> str:
        known = list(self._entries)
        text = str(name)[:100]  # difflib's time grows with the length of what it compares
        close = difflib.get_close_matches(text, known, n=3, cutoff=0.5)
        if not close:  # case slips ("Conv2D") are the most common mistake
            close = [k for k in known if k.lower() == text.lower()]
        hint = f" — did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"unknown {self.kind} {excerpt(name)}{hint} (known: {', '.join(known)})"

    def names(self) -> list[str]:
        return list(self._entries)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(self._entries.items())

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)
