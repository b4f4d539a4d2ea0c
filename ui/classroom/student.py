"""The student's view: join a class with its code and a name; then the class's challenges, each with a
button that opens Train on the challenge's data, a box to hand in one of my runs, my hand-ins with what the
hidden examples say about them, and the leaderboard once the teacher shares it."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from ui import forms
from ui.classroom import leaderboard
from ui.classroom.challenges import challenge_goal, pick_challenge
from ui.classroom.state import current, set_field
from ui.errors import show_error, shown_errors
from ui.state import CLASS_REJOIN_KEY, CLASS_STUDENT, OWNER
from ui.text import plain
from ui.train import state as train_state


def joined() -> dlcore.classroom.StudentRecord | None:
    """The student this tab joined as, or None."""
    return st.session_state.get(CLASS_STUDENT)


def draw_student() -> None:
    student = joined()
    if student is None:
        draw_join()
        return
    with shown_errors():  # e.g. a class the teacher's database no longer has
        service = dlcore.classroom_service()
        draw_whoami(student, service.get_class(student.class_id))
        challenges = service.challenges(student.class_id)
        if not challenges:
            st.info("No challenge yet: your teacher sets them, and they show here.", icon=":material/flag:")
            return
        draw_challenge(student, pick_challenge(challenges))


def draw_join() -> None:
    """The code and name boxes; joining makes every run this tab trains the student's."""
    with st.form("class.join", width=520):
        st.markdown("Join your class with the code your teacher shows, and your name.")
        code = st.text_input(
            "Class code", value=current().code, max_chars=12, placeholder="e.g. KWPRTZ", key="class.code"
        )
        name = st.text_input(
            "Your name", max_chars=40, placeholder="as your teacher knows you", key="class.name"
        )
        key = st.text_input(
            "Your key (only to join again under the same name)",
            max_chars=20,
            key="class.key",
            help="Joining gives you a key. With it you come back as yourself from another tab or computer; "
            "nobody else can take your name without it.",
        )
        if not st.form_submit_button(
            "Join", type="primary", icon=":material/login:", key="class.join_button"
        ):
            return
    try:
        student, rejoin_key = dlcore.classroom_service().join(code, name, key.strip() or None)
    except dlcore.ClassroomError as err:
        show_error(err)
        return
    become(student, rejoin_key)
    st.rerun()


def become(student: dlcore.classroom.StudentRecord, rejoin_key: str) -> None:
    """This tab is `student` from now on: the runs it trains are theirs, kept under their name."""
    st.session_state[CLASS_STUDENT] = student
    st.session_state[CLASS_REJOIN_KEY] = rejoin_key
    st.session_state[OWNER] = student.owner
    dlcore.runs.set_who(student.owner, student.name)
    set_field("code", dlcore.classroom_service().get_class(student.class_id).code)


def draw_whoami(student: dlcore.classroom.StudentRecord, klass: dlcore.classroom.ClassRecord) -> None:
    key = st.session_state.get(CLASS_REJOIN_KEY, "")
    st.markdown(
        f"You are **{plain(student.name)}** in **{plain(klass.name)}** (class {klass.code}). "
        f"Your key to join again as yourself: **{key}**. The runs you train are kept under your name."
    )


def draw_challenge(
    student: dlcore.classroom.StudentRecord, challenge: dlcore.classroom.ChallengeRecord
) -> None:
    with st.container(border=True, key="class-challenge"):
        st.markdown(f"**{plain(challenge.title)}**  \n{challenge_goal(challenge)}")
        open_col, hand_col = st.columns([1, 2.6], vertical_alignment="bottom")
        if open_col.button("Open on Train", key="class.open_train", icon=":material/monitoring:"):
            open_on_train(challenge)
        with hand_col:
            if challenge.open:
                draw_hand_in(student, challenge)
            else:
                st.caption("This challenge is closed: no more hand-ins.")
    mine, board = st.columns([1.2, 1], gap="medium")
    with mine:
        draw_my_hand_ins(student, challenge)
    with board:
        leaderboard.draw_for_student(student, challenge)


def open_on_train(challenge: dlcore.classroom.ChallengeRecord) -> None:
    """The Train page on the challenge's data (its hidden examples left out), at most its epochs; the
    model on Build stays."""
    settings = train_state.settings()
    if challenge.max_epochs:
        settings["epochs"] = min(int(settings["epochs"]), challenge.max_epochs)
    setup = dataclasses.replace(
        train_state.current(),
        dataset=challenge.dataset,
        data_options=challenge.data_options,
        settings=settings,
    )
    try:
        train_state.TRAIN.validate(setup)
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    train_state.TRAIN.replace(setup)
    forms.forget_widgets(train_state.SETTINGS_WIDGETS)
    forms.forget_widgets("data")
    st.switch_page("pages/train.py")


def draw_hand_in(student, challenge) -> None:
    runs = dlcore.classroom_service().runs_to_hand_in(student, challenge.id)
    if not runs:
        st.caption("Open it on Train and train a run: once it has ended you can hand it in here.")
        return
    pick, button = st.columns([3, 1], vertical_alignment="bottom")
    run = pick.selectbox("Your run to hand in", runs, format_func=run_label, key=f"class.run.{challenge.id}")
    if button.button("Hand in", key="class.hand_in", type="primary", icon=":material/upload:"):
        try:
            handed = dlcore.classroom_service().hand_in(student, challenge.id, run.id)
        except dlcore.ClassroomError as err:
            show_error(err)
            return
        verdict = "it meets the target" if handed.passed else "it does not meet the target yet"
        st.toast(f"Run #{run.id} handed in: {verdict}.", icon=":material/task_alt:")


def run_label(run: dlcore.RunRecord) -> str:
    score = run.best_score
    best = f" · val. {score[0].removeprefix('val_')} {score[1]:.3g}" if score else ""
    return f"#{run.id} {run.name} · {run.epochs} epoch{'' if run.epochs == 1 else 's'}{best}"


def draw_my_hand_ins(student, challenge) -> None:
    handed = [h for h in dlcore.classroom_service().hand_ins(student) if h.challenge_id == challenge.id]
    if not handed:
        st.caption("Your hand-ins and their scores on the hidden examples show here.")
        return
    st.markdown("**Your hand-ins**, scored on examples you never saw")
    leaderboard.draw_hand_ins(handed)
    latest = handed[0]
    if latest.per_class:
        st.caption(f"Run #{latest.run_id}, class by class on the hidden examples:")
        leaderboard.draw_per_class(latest.per_class)
