"""Starting the run and the run bar: Start, Pause/Resume, Step 1 batch, Step 1 epoch, Stop, Reset, drawn by
ui.run_controls for the status of this tab's job."""

from __future__ import annotations

from typing import Any

import streamlit as st

import dlcore
from ui.run_controls import RunActions, run_bar, run_status
from ui.session import current_job, job_is_active, session_owner, set_job
from ui.state import DOWNLOADS, RESUME_CHECKPOINT
from ui.train import recipe, transfer
from ui.train.settings import make_config


def setup_of(spec_dict: dict[str, Any], dataset, cfg: dlcore.TrainConfig):
    """What Start trains: the model on Build (a ModelSpec), or, for a recipe of several roles, the recipe
    with a model per role and its options (a RecipeSpec)."""
    kind = recipe.kind_of(cfg.recipe, dataset.task)
    team = recipe.team(kind, spec_dict)
    if len(team) == 1:
        return dlcore.ModelSpec.from_dict(spec_dict)
    return dlcore.RecipeSpec.from_dict({"recipe": kind.name, "models": team, "options": cfg.recipe_options})


def start(spec_dict: dict[str, Any], dataset, values: dict[str, Any], *, paused: bool = False):
    """Start this tab's run (replacing any earlier one): the model on Build, with the models of the
    recipe's other roles if it has several; from the uploaded weights if the student asked, else from the
    kept weights (transfer learning) if the student asked."""
    cfg = make_config(values)
    setup = setup_of(spec_dict, dataset, cfg)
    resume = st.session_state.get(RESUME_CHECKPOINT)
    resume_from = resume["bytes"] if resume and resume["use"] and resume["spec"] == setup else None
    job = dlcore.start_training(
        setup,
        dataset,
        cfg,
        owner=session_owner(),
        paused=paused,
        resume_from=resume_from,
        start_weights=transfer.start_weights() if resume_from is None else None,
    )
    set_job(job)
    st.session_state.pop(DOWNLOADS, None)
    return job


def draw_run_bar(spec_dict: dict[str, Any], dataset, values: dict[str, Any], *, can_start: bool) -> None:
    """The run bar for this tab's job. Every action acts on the job as it is when the button is pressed:
    a run reset to step 0 goes on with Start; a step with no run going starts one paused and steps it (to
    watch the very first batch)."""

    def start_or_resume() -> None:
        job = current_job()
        if run_status(job) == "fresh":
            job.resume()
        else:
            start(spec_dict, dataset, values)

    def step(unit: str) -> None:
        if not job_is_active(current_job()):
            start(spec_dict, dataset, values, paused=True)
        current_job().step(unit)

    run_bar(
        "train",
        run_status(current_job()),
        RunActions(
            start=start_or_resume,
            pause=lambda: current_job().pause(),
            resume=lambda: current_job().resume(),
            step_batch=lambda: step("batch"),
            step_epoch=lambda: step("epoch"),
            stop=lambda: current_job().stop(),
            reset=lambda: current_job().reset(),
        ),
        can_start=can_start,
    )
