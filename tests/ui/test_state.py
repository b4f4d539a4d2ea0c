"""PageState, the one way a page holds its state: read from the link, replaced whole, bound to widgets,
mirrored to the URL; a refused change keeps the old state and says why once."""

from streamlit.testing.v1 import AppTest


def counter_page():
    from dataclasses import dataclass, replace

    import streamlit as st

    import dlcore
    from ui.state import PageState, bind

    @dataclass(frozen=True)
    class Counter:
        n: int = 0

    def from_query(query):
        try:
            return Counter(int(query.get("n", 0))), []
        except ValueError:
            return Counter(), [f"Link: n must be a whole number, not {query['n']!r}; using 0."]

    def validate(state):
        if state.n > 3:
            raise dlcore.DataError("n can be at most 3", field="n")

    page = PageState("counter", from_query, lambda s: {"n": str(s.n)}, validate)
    state = page.current()
    for notice in page.take_notices():
        st.warning(notice)
    bind("n-input", state.n)
    st.number_input("n", **page.on_change("n-input", lambda s, value: replace(s, n=int(value))))
    st.button("plus one", on_click=page.update, args=(lambda s: replace(s, n=s.n + 1),))
    page.sync_url()


def open_counter(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_function(counter_page, default_timeout=30)
    at.query_params.update(query or {})
    return at.run()


def test_the_first_visit_reads_the_link_and_the_widgets_show_it():
    at = open_counter({"n": "2"})
    assert not at.exception and at.number_input[0].value == 2 and at.query_params["n"] == "2"


def test_a_bad_link_value_gives_a_notice_once_and_the_default():
    at = open_counter({"n": "two"})
    assert [w.value for w in at.warning] == ["Link: n must be a whole number, not 'two'; using 0."]
    assert at.number_input[0].value == 0 and at.query_params["n"] == "0"
    assert not at.run().warning  # shown once


def test_a_widget_change_replaces_the_state_and_the_url_follows():
    at = open_counter()
    at.number_input[0].set_value(3).run()
    assert at.session_state["counter.state"].n == 3 and at.query_params["n"] == "3"


def test_a_refused_change_keeps_the_old_state_says_why_and_rebinds_the_widget():
    at = open_counter({"n": "3"})
    at.button[0].click().run()
    assert at.session_state["counter.state"].n == 3
    assert [w.value for w in at.warning] == ["n can be at most 3"]
    at.number_input[0].set_value(1).run()
    assert at.number_input[0].value == 1 and at.query_params["n"] == "1"
