"""The one run bar: Start, Pause/Resume, Step 1 batch, Step 1 epoch, Stop, Reset, for every page that trains.

What each button says and whether it can be pressed follows from the run's status alone (`buttons`, a
pure function a test can read), so the Train page, the playground, Adversarial training and every lab
behave alike: after Stop the bar is ready for a new run; a paused run offers Resume and the steps; a run
reset to step 0 starts again with Start. A page passes only the actions it offers; the others are not
drawn. An action that raises a DlcoreError shows its message under the bar, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import streamlit as st

import dlcore
from ui.errors import show_error

ACTIVE = ("queued", "running", "paused")  # a run in one of these has not ended
BUSY = ("queued", "running")
Action = Callable[[], None]

LABELS = {
    "start": ("Start", "play_arrow"),
    "pause": ("Pause", "pause"),
    "resume": ("Resume", "play_arrow"),
    "step_batch": ("Step 1 batch", "skip_next"),
    "step_epoch": ("Step 1 epoch", "fast_forward"),
    "stop": ("Stop", "stop"),
    "reset": ("Reset", "restart_alt"),
}
HELP = {
    "pause": "Freeze training here; Step then moves it on one batch or one epoch at a time.",
    "step_batch": "Train on one more batch, then pause: watch a single update happen.",
    "step_epoch": "Train one whole pass over the training set (as many batches as an epoch has), then pause.",
    "stop": "End this run now; its test-set results are still computed.",
    "reset": "Back to step 0 with fresh weights and empty charts, paused: press Start or Step to go again.",
}


@dataclass(frozen=True)
class RunActions:
    """What a page's run bar can do. An action left None is not offered (its button is not drawn).

    `step_starts_run`: a step pressed with no run going starts one paused at step 0 and steps it (the
    page's step action does that); otherwise the steps wait for a paused run. `step_pauses`: a step
    pressed while the run goes pauses it after that step (the playground's Step, as in TF Playground);
    otherwise the steps wait for Pause. `labels`, `icons` and `help` replace a button's words and its
    Material icon, e.g. {"start": "Train a robust copy"}; `primary` names the page's main buttons.
    """

    start: Action | None = None
    pause: Action | None = None
    resume: Action | None = None
    step_batch: Action | None = None
    step_epoch: Action | None = None
    stop: Action | None = None
    reset: Action | None = None
    step_starts_run: bool = True
    step_pauses: bool = False
    labels: Mapping[str, str] = field(default_factory=dict)
    icons: Mapping[str, str] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)
    primary: tuple[str, ...] = ("start",)


def player(play: Action, pause: Action, step: Action, reset: Action) -> RunActions:
    """TF Playground's bar for a lab that trains until paused: Play and Pause as one button, Step trains one
    epoch (pausing a run that plays), Reset starts again from fresh weights."""
    return RunActions(
        resume=play,
        pause=pause,
        step_epoch=step,
        reset=reset,
        step_pauses=True,
        labels={"resume": "Play", "step_epoch": "Step"},
        help={
            "pause": "Freeze training here; Step then trains one epoch at a time.",
            "step_epoch": "Train one epoch, then pause.",
            "reset": "Start again from fresh weights (same seed).",
        },
        primary=("resume", "pause"),
    )


@dataclass(frozen=True)
class Button:
    name: str  # the RunActions field it calls
    label: str
    icon: str
    enabled: bool
    help: str | None
    primary: bool = False


def buttons(status: str | None, actions: RunActions, *, can_start: bool = True) -> list[Button]:
    """The bar's buttons, in order, for a run in `status` (None: no run yet).

    `can_start`: the page's setup is ready (no pre-flight problem). A paused run still at step 0 (just
    reset, see `run_status`) has status "fresh": Start is the one way on, so the page's start action
    resumes it.
    """
    fresh = status == "fresh"
    paused = status == "paused" or fresh
    idle = status not in ACTIVE and not fresh
    enabled = {
        "start": (idle and can_start) or fresh,
        "pause": status in BUSY,
        "resume": paused and not fresh,
        "step_batch": paused
        or (idle and can_start and actions.step_starts_run)
        or (status in BUSY and actions.step_pauses),
        "stop": status in BUSY or paused,
        "reset": status is not None,
    }
    enabled["step_epoch"] = enabled["step_batch"]
    pause_or_resume = "resume" if paused and not fresh else "pause"
    names = ["start", pause_or_resume, "step_batch", "step_epoch", "stop", "reset"]
    return [
        Button(
            name,
            actions.labels.get(name, LABELS[name][0]),
            actions.icons.get(name, LABELS[name][1]),
            enabled[name],
            actions.help.get(name, HELP.get(name)),
            primary=name in actions.primary,
        )
        for name in names
        if getattr(actions, name) is not None
    ]


def run_bar(key: str, status: str | None, actions: RunActions, *, can_start: bool = True):
    """Draw the bar in one row (each button as wide as its label: labels never truncate), and under it
    the message of an action that failed on the last click. `key` keeps each page's widgets apart.

    Returns the row: `with row:` adds a page's own controls after the buttons (the playground's presets)."""
    error_key = f"{key}.run_error"
    row = st.container(horizontal=True, vertical_alignment="bottom", gap="small", key=f"{key}-run-bar")
    with row:
        for button in buttons(status, actions, can_start=can_start):
            st.button(
                button.label,
                icon=f":material/{button.icon}:",
                key=f"{key}-{button.name}",
                type="primary" if button.primary else "secondary",
                disabled=not button.enabled,
                on_click=_run,
                args=(getattr(actions, button.name), error_key),
                help=button.help,
                width="content",
            )
    if error_key in st.session_state:
        show_error(st.session_state.pop(error_key))
    return row


def _run(action: Action, error_key: str) -> None:
    try:
        action()
    except dlcore.DlcoreError as err:
        st.session_state[error_key] = err


def run_status(job) -> str | None:
    """The status the bar is drawn for: the job's, with "fresh" for a paused run still at step 0."""
    if job is None:
        return None
    status = job.status
    if status == "paused" and job.progress().get("step") == 0:
        return "fresh"
    return status
