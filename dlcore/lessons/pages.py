"""The pages a lesson can open, and how a lesson's state becomes that page's link.

A lesson's `state` is what the page's own link would hold (docs/architecture.md: every page's state is a
link), written for people: a model may be a preset's key ("digits_mlp") or a spec object instead of the
packed `model=` token. `lesson_query` turns it into the page's query parameters; `check_state` reads it the
way the page will, so a lesson the page would reject fails its test, naming the lesson and the field.

Pages register what they can open with `register_page(name, check)`, `check(query) -> problems`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from dlcore import playground
from dlcore.errors import DlcoreError, excerpt
from dlcore.lessons.lesson import LESSON_PARAM, Lesson, LessonError
from dlcore.links import pack
from dlcore.plan import validate
from dlcore.presets import presets
from dlcore.spec import ModelSpec
from dlcore.training import link as train_link

MODEL_PARAM = "model"  # the Build page's link parameter (ui.build.state), carried by the Train page's too

Check = Callable[[Mapping[str, str]], list[str]]
PAGES: dict[str, Check] = {}
DATASETS: dict[str, Callable[[Mapping[str, str]], str]] = {}  # page -> the dataset a link of it trains on


def register_page(page: str, check: Check, dataset: Callable[[Mapping[str, str]], str] | None = None) -> None:
    """`page` (its URL path, e.g. "train") can open lessons; `check(query)` lists the problems a link
    with `query` would give on it (empty: the page opens it as it is); `dataset(query)`, for a page that
    trains, names the dataset such a link trains on."""
    PAGES[page] = check
    if dataset is not None:
        DATASETS[page] = dataset


def lesson_dataset(lesson: Lesson) -> str | None:
    """The dataset the lesson's page trains on in the lesson's state (None: the page does not train)."""
    read = DATASETS.get(lesson.page)
    return read(lesson_query(lesson)) if read else None


def model_spec_of(lesson: Lesson, model: Any) -> ModelSpec:
    """The model a lesson's state names: a preset key or a spec object; LessonError naming 'state.model'."""
    try:
        if isinstance(model, str):
            known = presets()
            if model not in known:
                raise DlcoreError(f"{excerpt(model)} is not a preset ({', '.join(known)})")
            return known[model]
        if not isinstance(model, dict):
            raise DlcoreError("needs a preset's key or a model spec object")
        spec = ModelSpec.from_dict(model)
        validate(spec)  # an unknown layer or shapes that cannot flow: the Build page would refuse it
        return spec
    except DlcoreError as err:
        raise LessonError(lesson.id, f"state.{MODEL_PARAM}", err.message) from None


def lesson_query(lesson: Lesson) -> dict[str, str]:
    """The query parameters of the lesson's page with the lesson's state (the model packed as the Build
    page's link packs it), without the lesson parameter itself."""
    query = {key: str(value) for key, value in lesson.state.items() if key != MODEL_PARAM}
    if MODEL_PARAM in lesson.state:
        query[MODEL_PARAM] = pack(model_spec_of(lesson, lesson.state[MODEL_PARAM]).to_dict())
    return query


def lesson_link(lesson: Lesson) -> str:
    """The lesson's link, relative to the app's address: the page and the lesson's id. It rebuilds the
    lesson on any server, since the state comes from the lesson's file, not from the link."""
    return f"{lesson.page}?{urlencode({LESSON_PARAM: lesson.id})}"


def check_state(lesson: Lesson) -> None:
    """LessonError naming the lesson and the field when the lesson's page is unknown or would not open
    its state as it is."""
    if lesson.page not in PAGES:
        known = ", ".join(PAGES)
        raise LessonError(lesson.id, "page", f"{excerpt(lesson.page)} is not a page lessons open ({known})")
    problems = PAGES[lesson.page](lesson_query(lesson))
    if problems:
        raise LessonError(lesson.id, "state", " ".join(problems))


def _unknown(query: Mapping[str, str], known: Callable[[str], bool]) -> list[str]:
    return [f"'{key}' is not a setting of this page." for key in query if not known(key)]


def _check_build(query: Mapping[str, str]) -> list[str]:
    return _unknown(query, lambda key: key == MODEL_PARAM)


TRAIN_PREFIXES = ("data.", "loss.", "optimizer.", "schedule.", "recipe.")
TRAIN_KEYS = {"data", "role", "partners", MODEL_PARAM, *train_link.LINK_FIELDS}


def _check_train(query: Mapping[str, str]) -> list[str]:
    problems = _unknown(query, lambda key: key in TRAIN_KEYS or key.startswith(TRAIN_PREFIXES))
    state, link_problems = train_link.from_query(query)
    problems += link_problems
    if not problems:
        try:
            train_link.validate(state)
        except DlcoreError as err:
            problems.append(err.message)
    return problems


def _check_playground(query: Mapping[str, str]) -> list[str]:
    return _unknown(query, playground.LINK_KEYS.__contains__) + playground.from_query(query)[1]


register_page("build", _check_build)
register_page("train", _check_train, lambda query: train_link.from_query(query)[0].dataset)
register_page("playground", _check_playground, lambda query: playground.from_query(query)[0].dataset)
