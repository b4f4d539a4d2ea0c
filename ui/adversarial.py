"""The Adversarial page's robust copy: adversarial training of the page's model as a background job.

The copy starts from the model's current weights and trains with the "adversarial" recipe, so it can be
paused, stepped, stopped and watched like any run on the Train page. The tab's own job (the model being
attacked) is left as it is: the copy is a second job of this tab, kept under ROBUST_KEY.
"""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.errors import show_error
from ui.session import job_is_active, session_owner
from ui.steady_chart import steady_chart
from ui.train.live import LIVE_CHART, progress_text

ROBUST_KEY = "adversarial_robust"
# Fast adversarial training's usual settings (Wong et al., 2020): Adam at 1e-3 on batches of 64.
ROBUST_TRAINING = {"optimizer": "adam", "lr": 1e-3, "batch_size": 64}


def robust() -> dict | None:
    """{"source": the job whose model was copied, "job": the copy's job, "eps": ε it trains against}."""
    return st.session_state.get(ROBUST_KEY)


def robust_job():
    held = robust()
    return None if held is None else held["job"]


def snapshot():
    """The robust copy's model with its weights as they are now, or None (no copy, or it was freed)."""
    job = robust_job()
    if job is None:
        return None
    try:
        return job.snapshot()
    except dlcore.DlcoreError:
        return None


def forget_if_other_model(source_job) -> dict | None:
    """The robust copy, unless it was made from another model than `source_job`'s (then it is stopped)."""
    held = robust()
    if held is not None and held["source"] is not source_job:
        if job_is_active(held["job"]):
            held["job"].stop("its model was replaced")
        st.session_state.pop(ROBUST_KEY)
        return None
    return held


def start_robust_copy(subject, options: dict, epochs: int) -> None:
    """Start adversarial training of a copy of `subject`'s model (its weights as they are now)."""
    held = robust()
    if held is not None and job_is_active(held["job"]):
        held["job"].stop("a new robust copy was started")
    source = subject.job
    cfg = dlcore.TrainConfig(
        **ROBUST_TRAINING,
        epochs=epochs,
        device=source.config.device,
        seed=source.config.seed,
        recipe="adversarial",
        recipe_options=options,
    )
    weights = dlcore.checkpoint_bytes(source.spec, subject.model)
    job = dlcore.start_training(source.spec, subject.dataset, cfg, owner=session_owner(), resume_from=weights)
    st.session_state[ROBUST_KEY] = {"source": source, "job": job, "eps": options["epsilon"]}


def command(action) -> None:
    """A button's action; a DlcoreError is shown under the buttons on the next run, not as a traceback."""
    try:
        action()
    except dlcore.DlcoreError as err:
        st.session_state["adversarial_command_error"] = err


def draw_run_bar(subject, options: dict, epochs: int) -> None:
    """Start / Pause or Resume / Step 1 batch / Stop for the robust copy's job."""
    job = robust_job()
    active, paused = job_is_active(job), job is not None and job.status == "paused"
    start_col, pause_col, step_col, stop_col = st.columns([1.6, 1, 1.2, 1])
    start_col.button(
        "Train a robust copy",
        icon=":material/shield:",
        type="primary",
        disabled=active,
        on_click=command,
        args=(lambda: start_robust_copy(subject, options, epochs),),
        width="stretch",
        key="adversarial_train",
        help="Copy the model with its weights as they are now and train the copy on attacked batches.",
    )
    if paused:
        pause_col.button(
            "Resume",
            icon=":material/play_arrow:",
            on_click=job.resume,
            width="stretch",
            key="adversarial_resume",
        )
    else:
        pause_col.button(
            "Pause",
            icon=":material/pause:",
            disabled=not active,
            on_click=lambda: job.pause(),
            width="stretch",
            key="adversarial_pause",
        )
    step_col.button(
        "Step 1 batch",
        icon=":material/skip_next:",
        disabled=not paused,
        on_click=lambda: command(job.step),
        width="stretch",
        key="adversarial_step",
        help="Attack one batch with the current weights and learn from it, then pause.",
    )
    stop_col.button(
        "Stop",
        icon=":material/stop:",
        disabled=not active,
        on_click=lambda: job.stop(),
        width="stretch",
        key="adversarial_stop",
    )
    if "adversarial_command_error" in st.session_state:
        show_error(st.session_state.pop("adversarial_command_error"))


def draw_live(job) -> None:
    """The copy's progress, its loss, and its validation accuracy clean and under attack, as it trains."""
    held = robust()
    if job is None or held is None:
        return
    st.progress(
        min(1.0, float(job.progress().get("fraction") or 0.0)),
        text="Robust copy · " + progress_text(job.progress(), job.status),
    )
    metrics, epochs = job.metrics(), job.epoch_metrics()
    loss_col, acc_col = st.columns(2)
    with loss_col:
        steady_chart(plots.loss_curve(metrics, epochs), "adversarial_loss_chart", LIVE_CHART)
    with acc_col:
        steady_chart(
            plots.robust_accuracy_curve(epochs, held["eps"]), "adversarial_accuracy_chart", LIVE_CHART
        )
    if job.status == "failed":
        st.error(job.error or "Training stopped with an error.", icon=":material/error:")
