"""Reading and changing the model being built in an AppTest, as the tests of every page need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ui.build.state import BUILD, BuildState


def built(at) -> dict[str, Any]:
    """The model being built in this tab, as a spec dict (a copy)."""
    return at.session_state[BUILD.key].spec


def layer_ids(at) -> list[str]:
    return list(at.session_state[BUILD.key].layer_ids)


def edit_built(at, change: Callable[[dict[str, Any]], Any]) -> None:
    """Change the model's spec dict in place with `change`, as no widget would (e.g. a wrong out_features)."""
    state: BuildState = at.session_state[BUILD.key]
    spec = state.spec
    change(spec)
    at.session_state[BUILD.key] = state.with_spec(spec)


def set_built(at, spec: dict[str, Any]) -> None:
    """Make `spec` the model being built, a student's own (no preset)."""
    at.session_state[BUILD.key] = BuildState.of(spec)
