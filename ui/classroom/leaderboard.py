"""Scores as tables: the leaderboard (the teacher's always, refreshed for the projector; a student's once the
teacher shares it), a student's own hand-ins, and what the hidden examples say class by class."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.classroom.challenges import challenge_goal, pick_challenge
from ui.text import plain

REFRESH_S = 2.0  # hand-ins arrive while the class watches
SCORE = st.column_config.NumberColumn("score", format="%.3f", width="small")
WHEN = st.column_config.DatetimeColumn("handed in", format="HH:mm:ss", width="small")
MET = st.column_config.TextColumn(width=45, help="✓: the target is met, within the limits")


def draw_for_teacher(klass: dlcore.classroom.ClassRecord) -> None:
    challenges = dlcore.classroom_service().challenges(klass.id)
    if not challenges:
        st.info("No challenge yet: set one in Challenges.", icon=":material/flag:")
        return
    challenge = pick_challenge(challenges)
    st.markdown(f"**{plain(challenge.title)}**: {challenge_goal(challenge)}")

    @st.fragment(run_every=REFRESH_S if challenge.open else None)
    def board() -> None:
        draw_board(dlcore.classroom_service().leaderboard(challenge.id, dlcore.classroom.TEACHER))

    board()


def draw_for_student(
    student: dlcore.classroom.StudentRecord, challenge: dlcore.classroom.ChallengeRecord
) -> None:
    if not challenge.leaderboard_shared:
        st.caption("The class's leaderboard shows here once your teacher shares it.")
        return
    try:
        rows = dlcore.classroom_service().leaderboard(challenge.id, student)
    except dlcore.ClassroomError as err:
        st.caption(plain(err.message))
        return
    st.markdown("**Leaderboard**")
    draw_board(rows)


def draw_board(rows: Sequence[dlcore.classroom.LeaderboardRow]) -> None:
    """Each student's best hand-in within the limits, best first; the teacher's rows also say which run
    it is and when it came (a student's half-width board keeps to what fits)."""
    if not rows:
        st.caption("No hand-in within the limits yet.")
        return
    table = [
        {
            "#": row.rank,
            "student": row.student,
            "score": row.score,
            "met": "✓" if row.passed else "",
            "weights": row.parameters,
            **({"handed in": row.handed_in, "run": row.run_id} if row.run_id is not None else {}),
        }
        for row in rows
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="class-leaderboard",
        column_config={
            "#": st.column_config.NumberColumn(width=40),
            "score": SCORE,
            "met": MET,
            "weights": st.column_config.NumberColumn(format="localized", width=70),
            "handed in": WHEN,
        },
    )


def draw_hand_ins(hand_ins: Sequence[dlcore.classroom.HandIn]) -> None:
    """A student's hand-ins, newest first, with what kept each from the target."""
    table = [
        {
            "run": f"#{h.run_id}",
            "score": h.score,
            "met": "✓" if h.passed else "",
            "handed in": h.handed_in,
            "why not": "; ".join(h.problems) or ("" if h.passed else "below the target"),
        }
        for h in hand_ins
    ]
    st.dataframe(
        table, hide_index=True, width="stretch", column_config={"score": SCORE, "met": MET, "handed in": WHEN}
    )


def draw_per_class(per_class: Sequence[dict]) -> None:
    """Accuracy per class on the hidden examples: where the model is still wrong."""
    st.dataframe(
        per_class,
        hide_index=True,
        width="stretch",
        column_config={
            "accuracy": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
        },
    )
