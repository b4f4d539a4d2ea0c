"""The Sequences page's tabs: one registry, one module per tab (imported by ui/sequences/__init__.py).

    register_tab(Tab("race", "Long-memory race", draw_race, RACE))

`draw()` draws the tab's whole body when it is open (only the open tab runs). `state` is the tab's own
PageState (its frozen state from `dlcore/sequences/<key>.py`, read from the link with
`dlcore.sequences.register_tab_link`); the page writes every tab's state into the URL, so a link reopens
each tab as it was. Tabs appear in the order they are registered.
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


TABS: dict[str, Tab] = {}


def register_tab(tab: Tab) -> Tab:
    if tab.key in TABS:
        raise ValueError(f"the Sequences tab {tab.key!r} is registered twice")
    TABS[tab.key] = tab
    return tab


def tab_state(key: str) -> PageState:
    """The PageState of the tab `key`, over the link its engine module registered."""
    link = dlcore.sequences.TAB_LINKS[key]
    return PageState(f"sequences.{key}", link.from_query, link.to_query, link.validate)
