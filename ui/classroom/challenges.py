"""Challenges: what one asks (both views say it the same way), which one is shown, and the teacher's
section where they are set, closed and their leaderboards shared."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.classroom.state import current, set_field
from ui.errors import show_error
from ui.text import plain

PICKER = "class.challenge"
DEFAULT_DATASET = "digits"  # small, quick, and Train's starting model fits it


def challenge_goal(challenge: dlcore.classroom.ChallengeRecord) -> str:
    """What the challenge asks, in one sentence with its numbers."""
    target = f"{challenge.target:.0%}" if challenge.metric == "accuracy" else f"{challenge.target:g}"
    limits = []
    if challenge.max_parameters:
        limits.append(f"at most {challenge.max_parameters:,} weights")
    if challenge.max_epochs:
        limits.append(f"at most {challenge.max_epochs} epochs")
    within = f", with {' and '.join(limits)}" if limits else ""
    closed = " **Closed.**" if not challenge.open else ""
    return (
        f"Train on **{challenge.dataset}** and reach **{challenge.metric} ≥ {target}** on hidden examples "
        f"(no student trains on them){within}.{closed}"
    )


def pick_challenge(
    challenges: Sequence[dlcore.classroom.ChallengeRecord],
) -> dlcore.classroom.ChallengeRecord:
    """The challenge shown: the link's, else the newest open one; a picker when there are several."""
    by_id = {c.id: c for c in challenges}
    chosen = current().challenge
    if chosen not in by_id:
        chosen = next((c.id for c in challenges if c.open), challenges[0].id)
    if len(challenges) > 1:
        st.session_state[PICKER] = chosen
        st.segmented_control(
            "Challenge",
            list(by_id),
            format_func=lambda i: by_id[i].title + ("" if by_id[i].open else " (closed)"),
            required=True,
            key=PICKER,
            on_change=lambda: set_field("challenge", st.session_state[PICKER]),
            label_visibility="collapsed",
        )
    return by_id[chosen]


def draw_challenges_section(klass: dlcore.classroom.ClassRecord) -> None:
    """A new challenge on the left; the class's challenges on the right, each with its switches."""
    form_col, list_col = st.columns([1, 1.3], gap="large")
    with form_col:
        draw_new_challenge(klass)
    with list_col:
        challenges = dlcore.classroom_service().challenges(klass.id)
        if not challenges:
            st.info("No challenge yet: set one on the left.", icon=":material/flag:")
        for challenge in challenges:
            draw_challenge_card(challenge)


def draw_challenge_card(challenge: dlcore.classroom.ChallengeRecord) -> None:
    with st.container(border=True, key=f"class-challenge-{challenge.id}"):
        st.markdown(f"**{plain(challenge.title)}**  \n{challenge_goal(challenge)}")
        share, close = st.columns([2, 1], vertical_alignment="center")
        st.session_state[f"class.share.{challenge.id}"] = challenge.leaderboard_shared
        share.toggle(
            "Students see the leaderboard",
            key=f"class.share.{challenge.id}",
            on_change=_share,
            args=(challenge.id,),
        )
        if challenge.open:
            close.button(
                "Close",
                key=f"class.close.{challenge.id}",
                on_click=_close,
                args=(challenge.id,),
                width="stretch",
            )


def draw_new_challenge(klass: dlcore.classroom.ClassRecord) -> None:
    with st.form("class.new_challenge"):
        st.markdown("**Set a challenge**")
        title = st.text_input(
            "Title", max_chars=200, placeholder="e.g. Digits with a small network", key="class.title"
        )
        names = dlcore.data.names()
        dataset = st.selectbox("Dataset", names, index=names.index(DEFAULT_DATASET), key="class.dataset")
        target = st.number_input(
            "Target score (accuracy or R²)",
            min_value=0.0,
            max_value=1.0,
            value=0.9,
            step=0.05,
            key="class.target",
        )
        params_col, epochs_col = st.columns(2)
        weights = params_col.number_input(
            "At most weights (0: any)", min_value=0, value=5000, step=1000, key="class.max_weights"
        )
        epochs = epochs_col.number_input(
            "At most epochs (0: any)", min_value=0, value=10, key="class.max_epochs"
        )
        if not st.form_submit_button(
            "Set the challenge", type="primary", icon=":material/flag:", key="class.set"
        ):
            return
    try:
        challenge = dlcore.classroom_service().create_challenge(
            klass.id, title, dataset, target=target, max_parameters=weights or None, max_epochs=epochs or None
        )
    except dlcore.ClassroomError as err:
        show_error(err)
        return
    set_field("challenge", challenge.id)
    st.rerun()


def _share(challenge_id: int) -> None:
    shared = st.session_state[f"class.share.{challenge_id}"]
    dlcore.classroom_service().share_leaderboard(challenge_id, shared)


def _close(challenge_id: int) -> None:
    dlcore.classroom_service().close_challenge(challenge_id)
