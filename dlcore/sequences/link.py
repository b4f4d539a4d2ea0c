"""The Sequences page as a link: which tab is open (`?tab=race`) and each tab's own settings.

Every tab keeps its own frozen state (a dataclass in `dlcore/sequences/<key>.py`) and registers how it reads
and writes a link with `register_tab_link`; its parameters are prefixed with the tab's key
(`race.delay=40`), so tabs never clash. A tab whose state is a flat set of `Param`s builds its three
functions with `param_link`: only values that differ from the defaults go in the link, and a value the link
gets wrong is reported in a sentence and left at its default, so a mistyped link still opens the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dlcore.errors import DlcoreError, excerpt
from dlcore.params import Param

TAB_PARAM = "tab"


@dataclass(frozen=True)
class TabLink:
    """How the tab `key` keeps its state in a link: `from_query(query) -> (state, problems)`,
    `to_query(state) -> {name: text}` and `validate(state)` (DlcoreError naming the field)."""

    key: str
    from_query: Callable[[Mapping[str, str]], tuple[Any, list[str]]]
    to_query: Callable[[Any], dict[str, str]]
    validate: Callable[[Any], None]


TAB_LINKS: dict[str, TabLink] = {}


def register_tab_link(link: TabLink) -> TabLink:
    if link.key in TAB_LINKS:
        raise ValueError(f"the Sequences tab {link.key!r} is registered twice")
    TAB_LINKS[link.key] = link
    return link


@dataclass(frozen=True)
class OpenTab:
    """The tab open on the Sequences page."""

    tab: str = "memory"


def open_tab_from_query(query: Mapping[str, str]) -> tuple[OpenTab, list[str]]:
    tab = query.get(TAB_PARAM, OpenTab.tab)
    if tab in TAB_LINKS:
        return OpenTab(tab), []
    return OpenTab(), [f"This page has no tab {excerpt(tab)} (its tabs: {', '.join(TAB_LINKS)})."]


def open_tab_to_query(state: OpenTab) -> dict[str, str]:
    return {TAB_PARAM: state.tab}


def validate_open_tab(state: OpenTab) -> None:
    if state.tab not in TAB_LINKS:
        raise DlcoreError(f"there is no tab {excerpt(state.tab)}: {', '.join(TAB_LINKS)}", field=TAB_PARAM)


def page_problems(query: Mapping[str, str]) -> list[str]:
    """What a link of the whole page (the open tab and every tab's settings) gets wrong; empty: it opens."""
    problems = open_tab_from_query(query)[1]
    for link in TAB_LINKS.values():
        state, read_problems = link.from_query(query)
        problems += read_problems
        try:
            link.validate(state)
        except DlcoreError as err:
            problems.append(err.message)
    return problems


def param_link(key: str, cls: type, params: tuple[Param, ...], check: Callable[[Any], None] | None = None):
    """A TabLink for a flat frozen dataclass `cls` whose fields are `params` (same names and defaults);
    `check(state)` adds the checks that involve several fields (raise DlcoreError naming one)."""

    def from_query(query: Mapping[str, str]) -> tuple[Any, list[str]]:
        values, problems = {}, []
        for param in params:
            text = query.get(f"{key}.{param.name}")
            if text is None:
                continue
            try:
                values[param.name] = param.from_text(text)
            except ValueError as err:
                problems.append(f"{err} (kept {param.to_text(param.default)}).")
        state = cls(**values)
        try:
            validate(state)
        except DlcoreError as err:
            return cls(), [*problems, f"{err.message} (kept the defaults)."]
        return state, problems

    def to_query(state) -> dict[str, str]:
        return {
            f"{key}.{p.name}": p.to_text(getattr(state, p.name))
            for p in params
            if getattr(state, p.name) != p.default
        }

    def validate(state) -> None:
        for param in params:
            try:
                param.coerce(getattr(state, param.name))
            except ValueError as err:
                raise DlcoreError(str(err), field=param.name) from None
        if check is not None:
            check(state)

    return TabLink(key, from_query, to_query, validate)
