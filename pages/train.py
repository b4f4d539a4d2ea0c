"""Train: pick a dataset and hyperparameters, then watch the model learn, live."""

import streamlit as st

from ui.build import model
from ui.build.state import BUILD
from ui.frame import require_frame
from ui.live import live
from ui.session import ACTIVE_STATUSES, current_job
from ui.state import sync_url
from ui.style import compact_top
from ui.text import plain
from ui.train import dataset as data
from ui.train import files, preflight, presets, recipe_form, results, run, settings, transfer
from ui.train import live as live_view
from ui.train import state as train_state

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/monitoring: Train")
compact_top()  # on a 1280×720 projector the run bar and the live charts stay above the fold
if notices := BUILD.take_notices() + train_state.take_notices():  # a link the page cannot use in full
    st.warning("  \n".join(map(plain, notices)), icon=":material/link:")
summary = st.empty()  # filled once the settings below are read

job = current_job()
drawn_status = job.status if job is not None else None  # read once: the live view reruns if it moves on
busy = drawn_status in ACTIVE_STATUSES
spec = model.model_dict()

# Data and settings fold away, so the run bar and the live charts are what the class sees.
with st.expander("Data and settings", icon=":material/tune:"):
    data_col, settings_col = st.columns([1, 1.5], gap="large")
    with data_col:
        st.subheader("Data")
        dataset = data.draw_data()
    with settings_col:
        st.subheader("Settings")
        if loaded := presets.loaded_text():
            st.caption(loaded)
        if busy:
            st.caption("Settings are locked while a run is going: stop it (or let it finish) to change them.")
        recipe_errors = {}
        if dataset is not None:
            recipe_errors = recipe_form.draw_recipe_form(dataset.task, spec, disabled=busy)
        values, setting_errors = settings.draw_settings_form(disabled=busy)
        setting_errors.update(recipe_errors)
        settings.draw_init_and_device(spec, values["device"], disabled=busy)
        transfer.draw_start_from(disabled=busy)

summary.caption(settings.run_summary(spec, dataset, values))

# Pre-flight: everything that would stop a run is explained here, before Start is pressed.
problems = preflight.preflight(spec, dataset, values, setting_errors)
preflight.draw_problems(problems)
if not problems:
    preflight.draw_loss_advice(dataset, values)

run.draw_run_bar(spec, dataset, values, can_start=not problems)
transfer.draw_report(job)

if job is None:
    st.info(
        "No run yet in this tab. Press **Start** to train; the charts fill in as it learns.",
        icon=":material/play_arrow:",
    )

live(live_view.draw_live, drawn_status=drawn_status)  # curves and numbers, 4 times a second
live(live_view.draw_diagnostics, seconds=live_view.SLOW_POLL_S)

if job is not None and job.status in ("finished", "stopped") and job.result:
    results.draw_results(job)

if job is not None and job.status in ("paused", "finished", "stopped"):
    files.draw_downloads(job)

with st.expander("Load a saved model"):
    files.draw_checkpoint_upload()

sync_url(BUILD, train_state.TRAIN)  # the link reopens the model too, with its data and settings
