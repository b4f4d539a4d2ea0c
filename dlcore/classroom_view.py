"""The Classroom page's state, without Streamlit: who is looking (a student or the teacher), the class (by
its code: the one a student joins, the one the teacher has open), the challenge shown and the teacher's
open section. It round-trips through the page's link, so the teacher can put a joining link on the
projector:

    /classroom?code=KWPRTZ                      a student's link: the join form has the code filled in
    /classroom?as=teacher&code=KWPRTZ&section=leaderboard&challenge=3
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from dlcore.errors import DlcoreError, excerpt

__all__ = [
    "MAX_CODE",
    "SECTIONS",
    "VIEWS",
    "ClassroomView",
    "from_query",
    "normal_code",
    "to_query",
    "validate",
]

VIEWS = ("student", "teacher")
SECTIONS = ("challenges", "leaderboard", "students")  # the teacher's tabs, in order
MAX_CODE = 12
_CODE = re.compile(rf"^[A-Z0-9]{{0,{MAX_CODE}}}$")


@dataclass(frozen=True)
class ClassroomView:
    """`view`: "student" or "teacher"; `code`: the class's code ("" none yet); `challenge`: the id of the
    challenge shown (None: the newest open one); `section`: the teacher's open tab."""

    view: str = "student"
    code: str = ""
    challenge: int | None = None
    section: str = SECTIONS[0]


def normal_code(text: str) -> str:
    """A class code as typed ("kwp rtz") in the form it is kept in ("KWPRTZ")."""
    return "".join(str(text).split()).upper()


def validate(view: ClassroomView) -> None:
    """DlcoreError naming the field of a value the page cannot hold."""
    if view.view not in VIEWS:
        raise DlcoreError(f"{excerpt(view.view)} is neither a student nor the teacher", field="as")
    if not _CODE.match(view.code):
        raise DlcoreError(
            f"a class code is at most {MAX_CODE} letters and digits, like KWPRTZ, not {excerpt(view.code)}",
            field="code",
        )
    if view.challenge is not None and (not isinstance(view.challenge, int) or view.challenge < 1):
        raise DlcoreError("a challenge is named by its number (1, 2, ...)", field="challenge")
    if view.section not in SECTIONS:
        raise DlcoreError(f"the teacher's sections are {', '.join(SECTIONS)}", field="section")


def to_query(view: ClassroomView) -> dict[str, str]:
    """The view as query parameters, only what differs from a new tab's."""
    query = {
        "as": view.view if view.view != "student" else "",
        "code": view.code,
        "challenge": str(view.challenge) if view.challenge is not None else "",
        "section": view.section if view.section != SECTIONS[0] else "",
    }
    return {key: value for key, value in query.items() if value}


def from_query(query: Mapping[str, Any]) -> tuple[ClassroomView, list[str]]:
    """A view from query parameters, and a sentence per value that could not be used (it keeps its
    default). Other pages' parameters are left alone."""
    q = {key: (value[-1] if isinstance(value, list) else value) for key, value in query.items()}
    reads = {
        "as": ("view", str),
        "code": ("code", normal_code),
        "challenge": ("challenge", _number),
        "section": ("section", str),
    }
    view, problems = ClassroomView(), []
    for param, (field, read) in reads.items():
        if param not in q:
            continue
        try:
            candidate = replace(view, **{field: read(q[param])})
            validate(candidate)
            view = candidate
        except DlcoreError as err:
            problems.append(f"Link: '{param}': {err.message}; ignored.")
    return view, problems


def _number(text: str) -> int:
    if not str(text).isdigit():
        raise DlcoreError("a challenge is named by its number (1, 2, ...)", field="challenge")
    return int(text)
