"""The Generative page's families: what each draws. One module per family (ui/generative/<key>.py)
registers a `Family` here; ui/generative/__init__.py imports each module once.

- `draw_options(state)` draws the family's own controls (β, k, schedule, ...) bound to the page's state
  (ui.generative.state.GENERATIVE) and returns nothing;
- `draw_views(job, state)` draws the family's views, inside the page's live fragment, several times a second
  while the run trains; `job` is the page's run (None before there is one).
The family's engine side (recipe, roles, options, networks) is its dlcore.generative FamilyKind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dlcore import generative as gen


@dataclass(frozen=True)
class Family:
    key: str
    label: str
    notice: str  # "what to notice": a few sentences in Markdown, shown under the views
    draw_options: Callable[[gen.GenerativeState], None]
    draw_views: Callable[[object, gen.GenerativeState], None]


FAMILIES: dict[str, Family] = {}


def register_family(family: Family) -> Family:
    FAMILIES[family.key] = family
    return family
