"""The Train page's link: every setting the page shows round-trips through query parameters, and a value a
link gets wrong keeps its default and is named in a notice, never an error."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlcore
import dlcore.data
from dlcore.training import link


def value_of(param: dlcore.Param) -> st.SearchStrategy:
    """Any value `param` takes."""
    if getattr(param, "multiple", False):
        return st.lists(st.sampled_from(param.choices), min_size=param.min_count, unique=True).map(tuple)
    low = -1e6 if param.min is None else param.min
    high = 1e6 if param.max is None else param.max
    values = {
        "int": st.integers(int(low), int(high)),
        "float": st.floats(low, high, allow_nan=False, allow_infinity=False),
        "bool": st.booleans(),
        "choice": st.sampled_from(param.choices) if param.choices else st.nothing(),
    }[param.kind]
    return st.one_of(st.none(), values) if param.optional else values


def some_of(params) -> st.SearchStrategy:
    """Values for a random subset of `params`."""
    return st.fixed_dictionaries({}, optional={p.name: value_of(p) for p in params})


@st.composite
def train_states(draw) -> link.TrainState:
    dataset = draw(st.sampled_from(dlcore.data.names()))
    settings = dlcore.TrainConfig().to_dict()
    settings["recipe"] = draw(st.sampled_from([link.AUTO, *dlcore.RECIPES.names()]))
    for name, registry in link.CATALOGUES.items():
        settings[name] = draw(st.sampled_from(registry.names()))
    scalars = [link.PARAMS[name] for name in link.LINK_FIELDS if name not in ("recipe", *link.CATALOGUES)]
    settings.update(draw(some_of(scalars)))
    for setting, options_field in link.OPTION_FIELDS.items():
        settings[options_field] = draw(some_of(link.option_params(setting, settings, dataset)))
    partners = draw(st.sampled_from([{}, {"discriminator": dlcore.presets()["gan_discriminator"].to_dict()}]))
    return link.TrainState(
        dataset,
        draw(some_of(dlcore.data.options(dataset))),
        settings,
        draw(st.sampled_from(["", "generator", "discriminator"])),
        partners,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train_states())
def test_every_state_round_trips_through_its_link(state):
    link.validate(state)
    query = link.to_query(state)
    back, problems = link.from_query(query)
    assert problems == []
    assert link.to_query(back) == query  # stable: the reopened page makes the same link
    link.validate(back)
    for name in link.LINK_FIELDS:
        assert back.settings[name] == state.settings[name]
    defaults = {p.name: p.default for p in dlcore.data.options(state.dataset)}
    assert {**defaults, **back.data_options} == {**defaults, **state.data_options}
    assert (back.role, back.partners) == (state.role, state.partners)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "data",
                "data.noise",
                "lr",
                "epochs",
                "recipe",
                "loss",
                "partners",
                "optimizer.momentum",
                "seed",
                "batch_size",
                "data.augment",
            ]
        ),
        st.text(max_size=12),
    )
)
def test_any_link_opens_a_page_that_works(query):
    state, problems = link.from_query(query)
    link.validate(state)  # whatever the link says, the page gets a state it can hold
    assert all(problem.startswith("Link: ") for problem in problems)


def test_a_bad_value_keeps_its_default_and_the_notice_names_the_field():
    state, problems = link.from_query({"data": "spiral", "lr": "100", "batch_size": "many", "epochs": "5"})
    assert state.settings["lr"] == dlcore.TrainConfig().lr and state.settings["epochs"] == 5
    assert state.settings["batch_size"] == dlcore.TrainConfig().batch_size
    assert any("'lr' must be at most 10" in p for p in problems)
    assert any("'batch_size' must be a whole number" in p for p in problems)


def test_an_unknown_dataset_or_option_is_named_and_left_out():
    state, problems = link.from_query({"data": "spirals", "data.wobble": "1"})
    assert state.dataset == link.DEFAULT_DATASET and state.data_options == {}
    assert "unknown dataset 'spirals'" in problems[0] and "'data.wobble'" in problems[1]


def test_a_link_holds_only_what_differs_from_a_new_page_and_never_the_device():
    state = link.TrainState()
    assert link.to_query(state) == {"data": link.DEFAULT_DATASET}
    gpu = dataclasses.replace(state, settings={**state.settings, "device": "cuda", "lr": 0.03})
    assert link.to_query(gpu) == {"data": link.DEFAULT_DATASET, "lr": "0.03"}


def test_query_parameters_of_other_pages_are_left_alone():
    state, problems = link.from_query({"model": "zabc", "name": "x"})
    assert state == link.TrainState() and problems == []


def test_a_damaged_partners_link_leaves_the_partners_out_with_a_notice():
    state, problems = link.from_query({"recipe": "gan", "partners": "zNOTALINK"})
    assert state.partners == {} and state.settings["recipe"] == "gan"
    assert problems and "'partners'" in problems[0]


@pytest.mark.parametrize("key", sorted(dlcore.preset_catalogue()))
def test_every_presets_setup_round_trips_through_its_link(key):
    preset = dlcore.preset_catalogue()[key]
    team = dlcore.team_specs(preset)
    state = link.TrainState(
        preset.spec.dataset,
        settings={**dlcore.TrainConfig().to_dict(), **preset.settings},
        role=preset.role,
        partners={role: spec.to_dict() for role, spec in team.items() if role != preset.role},
    )
    link.validate(state)
    back, problems = link.from_query(link.to_query(state))
    assert problems == [] and back == state


def test_gradient_clipping_goes_into_the_link_and_comes_back():
    state, problems = link.from_query({"data": "digits", "clip_grad_norm": "0.5"})
    assert problems == [] and state.settings["clip_grad_norm"] == 0.5
    assert link.to_query(state)["clip_grad_norm"] == "0.5"
    assert "clip_grad_norm" not in link.to_query(link.TrainState())  # off by default, not in a new link
    _, problems = link.from_query({"clip_grad_norm": "-1"})
    assert problems and "clip_grad_norm" in problems[0]


def test_a_challenges_data_key_travels_with_the_link_and_loads_the_students_data():
    state = link.TrainState("iris", {"seed": 3, dlcore.data.HOLDOUT: "a1b2c3"})
    link.validate(state)
    query = link.to_query(state)
    assert query["data.holdout"] == "a1b2c3"
    back, problems = link.from_query(query)
    assert problems == [] and dict(back.data_options) == {"seed": 3, "holdout": "a1b2c3"}
    student = dlcore.data.load(back.dataset, **back.data_options)
    assert sum(student.sizes.values()) == 120  # a fifth of iris's 150 flowers kept hidden
    with pytest.raises(dlcore.DataError) as refused:
        link.validate(link.TrainState("iris", {dlcore.data.HOLDOUT: 7}))
    assert refused.value.field == "holdout"
