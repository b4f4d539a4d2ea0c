"""The Runs page's sections: the tabs under the table, each drawn with the runs ticked in it.

A section is a module of ui/runs/ that calls `register_section(Section(key, label, draw))` when imported,
and one import line in ui/runs/__init__.py puts it on the page (tabs in import order). `draw(runs)` gets
the ticked runs (dlcore.RunRecord, in the order ticked; empty when none is) and draws the section; the
open section's key is in the page's link (`?section=<key>`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import dlcore


@dataclass(frozen=True)
class Section:
    key: str  # in the link: letters, digits and _ only
    label: str  # the tab's label
    draw: Callable[[Sequence[dlcore.RunRecord]], None]


SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> Section:
    """Add a section to the page (after those registered before it); a key used twice is refused."""
    if section.key in SECTIONS:
        raise ValueError(f"the Runs page already has a section '{section.key}'")
    SECTIONS[section.key] = section
    return section


def open_section(key: str) -> Section:
    """The section of `key`, else the first one (a link naming a section this server lacks)."""
    return SECTIONS.get(key) or next(iter(SECTIONS.values()))
