"""The Adversarial page's robust copy: adversarial training of the page's model as a background job.

The copy starts from the model's current weights and trains with the "adversarial" recipe, so it can be
paused, stepped, stopped and watched like any run on the Train page, with the same run bar. The tab's own
job (the model being attacked) is left as it is: the copy is a second job of this tab, kept under
ROBUST_KEY.
"""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.adversarial import ROBUST, YOURS
from ui.adversarial.attack import attack_choice
from ui.live import live
from ui.run_controls import RunActions, run_bar
from ui.session import job_is_active, session_owner
from ui.state import ROBUST_COPY as ROBUST_KEY
from ui.steady_chart import steady_chart
from ui.train.live import LIVE_CHART, progress_text

# Fast adversarial training's usual settings (Wong et al., 2020): Adam at 1e-3 on batches of 64.
ROBUST_TRAINING = {"optimizer": "adam", "lr": 1e-3, "batch_size": 64}
RECIPE_OPTIONS = {p.name: p for p in dlcore.RECIPES.get("adversarial").params}


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


def models(held) -> dict:
    """The models the page attacks, by name: the tab's model, and the robust copy as it is now (if any)."""
    copy = snapshot()
    return {YOURS: held.model} if copy is None else {YOURS: held.model, ROBUST: copy}


def draw_run_bar(subject, options: dict, epochs: int, status: str | None) -> None:
    """Train a robust copy / Pause or Resume / Step 1 batch / Stop, for the copy's job in `status`."""
    job = robust_job()
    run_bar(
        "adversarial",
        status,
        RunActions(
            start=lambda: start_robust_copy(subject, options, epochs),
            pause=lambda: job.pause(),
            resume=lambda: job.resume(),
            step_batch=lambda: job.step(),
            stop=lambda: job.stop(),
            step_starts_run=False,  # a step moves a paused copy on; a new copy comes from its own button
            labels={"start": "Train a robust copy"},
            icons={"start": "shield"},
            help={
                "start": "Copy the model with its weights as they are now and train the copy on attacked "
                "batches.",
                "pause": "Freeze the copy's training here; Step then moves it on one batch at a time.",
                "step_batch": "Attack one batch with the current weights and learn from it, then pause.",
                "stop": "End the copy's training now; it keeps the weights it has.",
            },
        ),
    )


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


def draw_robust_training(held, robust_status: str | None) -> None:
    """Adversarial training of a copy of the model, as a background job with its own run bar.
    `robust_status`: the copy's job status when the page was drawn (its buttons are drawn for it)."""
    # The settings fold away, so the run bar and the live charts are what the class sees.
    settings = st.expander("How the copy is trained", icon=":material/tune:")
    settings.caption(
        "A copy of the model, with its weights as they are now, learns from every batch twice: as it is, "
        "and attacked with the copy's current weights. Watch its accuracy under attack climb, then compare "
        "both curves under *Accuracy as the attack grows*."
    )
    a1, a2, a3, a4 = settings.columns(4)
    options = {
        "epsilon": a1.slider("ε to train against", 0.02, 0.3, 0.1, 0.01, key="adversarial_train_eps"),
        "attack": attack_choice(
            a2, "adversarial_train_attack", "Attack while training", RECIPE_OPTIONS["attack"].help
        ),
        "clean_fraction": a3.slider(
            "Clean share of the loss",
            0.0,
            1.0,
            0.5,
            0.1,
            key="adversarial_clean_fraction",
            help=RECIPE_OPTIONS["clean_fraction"].help,
        ),
    }
    epochs = a4.number_input("Epochs", 1, 100, 10, key="adversarial_train_epochs")
    draw_run_bar(held, options, epochs, robust_status)
    live(draw_live, drawn_status=robust_status, job_of=robust_job)
