"""Lessons on the Sequences page's state-space tab: how one of its runs trains, and the length of the
memory it learned (the half-life of its slowest channel)."""

from __future__ import annotations

from dlcore.lessons.measures import register_measure
from dlcore.lessons.runs import RunResult
from dlcore.lessons.sequences import _trained, register_tab_runner
from dlcore.sequences import state_space as ssm


def _run_state_space(lesson, query, run, name: str) -> RunResult:
    state = ssm.LINK.from_query(query)[0]  # the page checked it (page_problems)
    ds = ssm.ssm_dataset(state)
    return _trained(lesson, query, run, name, ssm.ssm_spec(state, ds), ds, ssm.ssm_config(state))


register_tab_runner("state_space", _run_state_space)


@register_measure(
    "longest_half_life",
    "how many steps the run's state-space layer remembers: the half-life of its slowest channel's memory "
    "(a selective layer's on the first 64 test sequences)",
)
def _longest_half_life(result: RunResult) -> float:
    layer = ssm.state_space_layer(result.model)
    return float(ssm.half_lives(layer, ssm.view_sequences(result.dataset)).max())
