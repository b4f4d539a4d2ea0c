"""The Sequences page's tabs: one registry, one module per tab (imported by ui/sequences/__init__.py).

    register_tab(Tab("race", "Long-memory race", draw_race, RACE))

`draw()` draws the tab's whole body when it is open (only the open tab runs). `state` is the tab's own
PageState (its frozen state from `dlcore/sequences/<key>.py`, read from the link with
`dlcore.sequences.register_tab_link`); the page writes every tab's state into the URL, so a link reopens
each tab as it was. Tabs appear in ORDER (imports are sorted by name, so their order cannot say it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dlcore
from ui.state import PageState


@dataclass(frozen=True)
class Tab:
    key: str  # ?tab=<key>; also the prefix of its link parameters (race.delay=40)
    label: str
    draw: Callable[[], None]
    state: PageState | None = None


ORDER = ("memory", "race", "state_space", "attention", "language", "embeddings")  # the page's tab order
TABS: dict[str, Tab] = {}  # in ORDER


def register_tab(tab: Tab) -> Tab:
    if tab.key in TABS:
        raise ValueError(f"the Sequences tab {tab.key!r} is registered twice")
    place = {key: i for i, key in enumerate(ORDER)}
    ordered = sorted([*TABS.values(), tab], key=lambda t: place.get(t.key, len(ORDER)))
    TABS.clear()
    TABS.update({t.key: t for t in ordered})
    return tab


def tab_state(key: str) -> PageState:
    """The PageState of the tab `key`, over the link its engine module registered."""
    link = dlcore.sequences.TAB_LINKS[key]
    return PageState(f"sequences.{key}", link.from_query, link.to_query, link.validate)
