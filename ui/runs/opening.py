"""Reopening a kept run: its model on Build and its data and settings on Train, in this tab."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui import forms
from ui.build.state import BUILD, BuildState
from ui.train import state as train_state


def open_on_train(run: dlcore.RunRecord) -> None:
    """Make the run's model this tab's model and its setup the Train page's, then show Train (its link
    reopens them). When a page refuses part of it, the tab keeps all it had and the notice says why."""
    try:
        model = BuildState.of(run.spec)
        setup = dlcore.runs.train_state(run)
        BUILD.validate(model)
        train_state.TRAIN.validate(setup)
    except (dlcore.DlcoreError, KeyError) as err:
        reason = err.message if isinstance(err, dlcore.DlcoreError) else f"it lacks {err}"
        st.warning(f"Run #{run.id} cannot be reopened: {reason}", icon=":material/history:")
        return
    BUILD.replace(model)
    train_state.TRAIN.replace(setup)
    forms.forget_widgets(train_state.SETTINGS_WIDGETS)
    forms.forget_widgets("data")
    st.switch_page("pages/train.py")
