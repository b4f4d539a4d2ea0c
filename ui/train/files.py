"""The files that leave and enter the Train page: the trained model (spec JSON + safetensors weights) and
the metrics to download, and a saved model to upload (only its spec and weights are read: no code runs)."""

from __future__ import annotations

from typing import Any

import streamlit as st

import dlcore
from ui import forms
from ui.build import model
from ui.session import session_owner, set_job
from ui.state import CHECKPOINT_PARSED, DOWNLOADS, RESUME_CHECKPOINT
from ui.text import plain
from ui.train import recipe, state, transfer
from ui.train.dataset import load_dataset
from ui.train.run import setup_of
from ui.train.settings import make_config
from ui.uploads import parse_once


def job_downloads(job) -> tuple[bytes, str]:
    """(checkpoint zip, metrics CSV) of `job`, made once per job and kept for the download buttons."""
    cache = st.session_state.setdefault(DOWNLOADS, {})
    if cache.get("job") is not job or cache.get("status") != job.status:
        progress = job.progress()
        cache.update(
            job=job,
            status=job.status,
            # the run as it was set up: one model's spec, or the recipe with a model per role
            checkpoint=dlcore.checkpoint_bytes(
                job.setup, job.snapshots(), meta={"step": progress["step"], "epoch": progress["epoch"]}
            ),
            csv=job.metrics().to_csv(index=False),
        )
    return cache["checkpoint"], cache["csv"]


def draw_downloads(job) -> None:
    """Download buttons for the run's model (named after it, not after the model on screen) and metrics."""
    checkpoint, csv = job_downloads(job)
    model_col, csv_col = st.columns(2)
    model_col.download_button(
        "Download trained model (.zip)",
        checkpoint,
        file_name=f"{model.file_stem(job.spec.name)}.zip",
        mime="application/zip",
        help="The spec (JSON) and the weights (safetensors): safe to share and load.",
    )
    csv_col.download_button("Download metrics (CSV)", csv, file_name="metrics.csv", mime="text/csv")
    st.button(
        "Start the next runs from these weights",
        icon=":material/move_down:",
        help="Transfer learning: keep this run's weights. Change the data or the model, press Start, and "
        "every layer whose name and shapes still fit starts from them instead of from random weights.",
        on_click=transfer.keep_run,
        args=(job, checkpoint),
    )


def _uploaded_is_current(resume: dict[str, Any]) -> bool:
    """Whether the uploaded model (or team) is still what Start would train."""
    try:
        return resume["spec"] == setup_of(model.model_dict(), load_dataset(), make_config(state.settings()))
    except dlcore.DlcoreError:
        return False


def draw_checkpoint_upload() -> None:
    """Upload a model saved from here (.zip of spec JSON + safetensors weights; no code in it runs).

    The uploaded model stays this tab's model (on every page, across page switches) until another file
    replaces it: Start continues from its weights, Inspect and Explain look at it at once."""
    upload = st.file_uploader(
        "Trained model (.zip)",
        type=["zip"],
        key="checkpoint_upload",
        help="A file from 'Download trained model'. Only the spec and the weights are read: no code runs.",
    )
    if upload is not None:
        parsed = parse_once(upload, _read_checkpoint, CHECKPOINT_PARSED)
        if parsed.error is not None:
            st.error(
                plain(f"{upload.name} was not loaded, nothing changed. {parsed.error.message}"),
                icon=":material/description:",
            )
        elif parsed.fresh:
            _adopt(upload.name, *parsed.value)
            st.rerun()  # the whole page again, drawn for the uploaded model and its dataset
    resume = st.session_state.get(RESUME_CHECKPOINT)
    if resume is None:
        return
    if not _uploaded_is_current(resume):
        name = plain(resume["name"])
        st.caption(f"You changed the architecture since loading {name}: Start trains it afresh.")
        st.button(
            "Start from its layers that still fit",
            icon=":material/move_down:",
            help="Transfer learning: Start loads the uploaded weights into every layer whose name and shapes "
            "still fit; the others start fresh.",
            on_click=transfer.keep,
            args=(resume["name"], resume["bytes"]),
        )
        return
    st.success(
        f"Your model is {plain(resume['name'])}, loaded from a file: its architecture is on the Build "
        "page, and Inspect and Explain show it.",
        icon=":material/check_circle:",
    )
    if resume["note"]:
        st.caption(resume["note"])
    resume["use"] = st.toggle(
        "Start from these trained weights",
        value=resume["use"],
        help="On: Start continues training the uploaded model. Off: Start trains the architecture afresh.",
    )


def _read_checkpoint(upload) -> tuple[bytes, dlcore.ModelSpec]:
    data = upload.getvalue()
    spec, _ = dlcore.load_checkpoint(data)  # every check: a file that fails them changes nothing
    return data, spec


def _adopt(name: str, data: bytes, spec) -> None:
    """Make an uploaded model this tab's model: its spec on the Build page (a recipe's main model, with
    the others kept beside it and the recipe chosen), its dataset chosen, and a (not training) job holding
    its weights for the Inspect and Explain pages."""
    on_build = spec
    if isinstance(spec, dlcore.RecipeSpec):
        on_build = recipe.adopt_team(spec)
        state.set_settings({**state.settings(), "recipe": spec.recipe, "recipe_options": dict(spec.options)})
        forms.forget_widgets(state.SETTINGS_WIDGETS)
    model.set_model(on_build)
    state.choose_dataset(on_build.dataset)
    note = ""
    try:
        dataset = load_dataset()
        set_job(dlcore.loaded_job(data, dataset, make_config(state.settings()), owner=session_owner()))
        st.session_state.pop(DOWNLOADS, None)
    except dlcore.DlcoreError as err:
        note = f"Inspect and Explain can show it once it trains here: {err.message}"
    st.session_state[RESUME_CHECKPOINT] = {
        "name": name,
        "bytes": data,
        "spec": spec,
        "use": True,
        "note": note,
    }
