"""The Classroom page's state without Streamlit: it round-trips through its link, a code is read as typed,
and a link's bad values become notices that name the parameter, never errors."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dlcore.classroom_view import MAX_CODE, SECTIONS, VIEWS, ClassroomView, from_query, normal_code, to_query

views = st.builds(
    ClassroomView,
    view=st.sampled_from(VIEWS),
    code=st.text("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", max_size=MAX_CODE),
    challenge=st.none() | st.integers(1, 10**9),
    section=st.sampled_from(SECTIONS),
)


@given(views)
def test_a_view_round_trips_through_its_link(view):
    assert from_query(to_query(view)) == (view, [])


def test_a_new_tabs_view_has_an_empty_link_and_a_students_link_carries_only_the_code():
    assert to_query(ClassroomView()) == {}
    assert to_query(ClassroomView(code="KWPRTZ")) == {"code": "KWPRTZ"}


def test_a_code_is_read_as_typed_with_spaces_and_small_letters():
    assert normal_code(" kwp rtz ") == "KWPRTZ"
    assert from_query({"code": "kwp rtz"})[0].code == "KWPRTZ"


def test_bad_values_in_a_link_are_notices_naming_the_parameter_and_keep_the_rest():
    view, problems = from_query(
        {"as": "admin", "code": "<script>", "challenge": "x", "section": "../", "q": "1"}
    )
    assert view == ClassroomView()
    assert [p.split("'")[1] for p in problems] == ["as", "code", "challenge", "section"]
    assert all(p.endswith("ignored.") for p in problems)
