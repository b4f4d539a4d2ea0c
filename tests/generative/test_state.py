"""The Generative page's state: its link round-trips, and a state the page cannot train is refused with a
message naming the field (a latent of 0, a learning rate out of range, points that are not numbers, a
family that does not fit the data)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlcore
from dlcore import generative as gen
from dlcore.generative.families import FAMILY_KINDS, FamilyKind

OFFLINE_DATA = [name for name in gen.DATA if name not in ("mnist", "fashion_mnist")]


@st.composite
def states(draw) -> gen.GenerativeState:
    family = draw(st.sampled_from(["autoencoder", "vae"]))
    kind = FAMILY_KINDS[family]
    roles = {
        role: gen.RoleNet(
            width=draw(st.integers(1, 512)),
            depth=draw(st.integers(0, 6)),
            lr=draw(st.sampled_from([1e-4, 3e-3, 0.1, 2.5])),
            optimizer=draw(st.sampled_from(gen.SETTINGS["opt"].choices)),
        )
        for role in draw(st.sets(st.sampled_from(kind.roles)))
    }
    options = {}
    if draw(st.booleans()):
        options["latent"] = draw(st.integers(1, 32))
    if draw(st.booleans()):
        options["denoise"] = draw(st.sampled_from([0.0, 0.2, 0.9]))
    if family == "vae" and draw(st.booleans()):
        options["beta"] = draw(st.sampled_from([0.0, 0.1, 4.0, 100.0]))
    tenths = st.integers(-60, 60).map(lambda v: v / 10)
    data = draw(st.sampled_from(OFFLINE_DATA))
    return gen.GenerativeState(
        data=data,
        data_options={"noise": draw(st.sampled_from([0.0, 0.1, 0.5]))} if data in gen.POINT_DATA else {},
        points=tuple(draw(st.lists(st.tuples(tenths, tenths), max_size=30))),
        family=family,
        roles=roles,
        batch=draw(st.integers(1, 1024)),
        seed=draw(st.integers(0, 2**31 - 1)),
        family_options=options,
    )


@settings(max_examples=60, deadline=None)
@given(states())
def test_every_state_round_trips_through_its_link(state):
    gen.validate(state)
    again, problems = gen.from_query(gen.to_query(state))
    assert problems == []
    assert gen.to_query(again) == gen.to_query(state)
    gen.validate(again)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.with_option("latent", 0), "f.latent"),
        (lambda s: s.with_role("encoder", gen.RoleNet(lr=50.0)), "encoder.lr"),
        (lambda s: s.with_role("decoder", gen.RoleNet(width=0)), "decoder.width"),
        (lambda s: s.with_option("beta", 2.0), "f.beta"),  # the autoencoder has no β
        (lambda s: replace(s, data="faces"), "data"),
        (lambda s: replace(s, family="flow"), "family"),
        (lambda s: replace(s, points=(("one", "two"),)), "points"),
        (lambda s: replace(s, points=((float("nan"), 0.0),)), "points"),
        (lambda s: replace(s, batch=0), "batch"),
        (lambda s: s.with_data_option("noise", 3.0), "data.noise"),
    ],
)
def test_a_state_that_cannot_train_names_its_field(change, field):
    with pytest.raises(dlcore.DlcoreError) as raised:
        gen.validate(change(gen.GenerativeState()))
    assert raised.value.field == field
    assert raised.value.message  # a sentence for the student


def test_a_family_that_does_not_fit_the_data_is_refused_and_the_fitting_ones_are_named(monkeypatch):
    monkeypatch.setitem(
        FAMILY_KINDS,
        "points_only",
        FamilyKind("points_only", "Points only", "gan", ("g",), dict, ("points",)),
    )
    gen.validate(gen.GenerativeState(family="points_only"))
    with pytest.raises(dlcore.DlcoreError) as raised:
        gen.validate(gen.GenerativeState(data="digits", family="points_only"))
    assert raised.value.field == "family"
    assert "does not train on images" in raised.value.message and "Autoencoder or VAE" in raised.value.message


def test_a_bad_link_keeps_the_defaults_and_says_what_it_left_out():
    state, problems = gen.from_query(
        {"data": "faces", "family": "vae", "f.latent": "0", "encoder.lr": "big", "f.k": "3", "points": "%%"}
    )
    assert state == gen.GenerativeState(family="vae")
    said = " ".join(problems)
    for part in ("unknown data 'faces'", "f.latent", "encoder.lr", "f.k is not a setting of VAE", "damaged"):
        assert part in said


# --- own points ---------------------------------------------------------------------------------------
def test_fewer_than_ten_own_points_say_how_many_are_needed():
    for points in ((), ((0.0, 1.0),) * 9):
        with pytest.raises(dlcore.DataError, match="at least 10 points"):
            gen.load_data(gen.GenerativeState(data="points", points=points))
    assert len(gen.load_data(gen.GenerativeState(data="points", points=((0.1, 0.2),) * 10)).train[0]) > 0


def test_a_csv_of_points_is_read_scaled_onto_the_plane_and_its_bad_rows_are_named():
    points = gen.points_from_csv(io.BytesIO(b"x,y\n0,0\n10,-20\n1,2\n"))
    assert points == ((0.0, 0.0), (3.0, -6.0), (0.3, 0.6))
    with pytest.raises(dlcore.DataError, match="must hold numbers"):
        gen.points_from_csv(io.BytesIO(b"x,y\n1,a\n2,b\n"))
    with pytest.raises(dlcore.DataError, match="line 3"):
        gen.points_from_csv(io.BytesIO(b"x,y\n1,2\n3,inf\n"))
    with pytest.raises(dlcore.DataError, match="two columns"):
        gen.points_from_csv(io.BytesIO(b"x\n1\n2\n"))
