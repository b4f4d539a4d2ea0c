"""Train: pick a dataset and hyperparameters, then watch the model learn, live."""

import streamlit as st

import dlcore
from ui import forms, model, recipes, training
from ui.errors import show_error
from ui.frame import require_frame
from ui.live import live
from ui.session import ACTIVE_STATUSES, current_job, job_is_active
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/monitoring: Train")
compact_top()  # on a 1280×720 projector the run bar and the live charts stay above the fold
summary = st.empty()  # filled once the settings below are read

job = current_job()
drawn_status = job.status if job is not None else None  # read once: every button below is drawn for it
busy = drawn_status in ACTIVE_STATUSES
spec = model.model_dict()

# Data and settings fold away, so the run bar and the live charts are what the class sees.
with st.expander("Data and settings", icon=":material/tune:"):
    data_col, settings_col = st.columns([1, 1.5], gap="large")
    with data_col:
        st.subheader("Data")
        choice = training.draw_dataset_picker()
        dataset = None
        try:
            dataset = training.load_dataset(choice)
            st.plotly_chart(
                training.dataset_preview(choice), key="dataset_preview", config={"displayModeBar": False}
            )
        except dlcore.DlcoreError as err:
            show_error(err)

    with settings_col:
        st.subheader("Settings")
        preset = model.current_preset()
        if preset is not None and st.session_state.get("preset_loaded") == preset.key and preset.settings:
            st.caption(f"Loaded with the **{preset.name}** preset. " + training.preset_settings_text(preset))
        if busy:
            st.caption("Settings are locked while a run is going: stop it (or let it finish) to change them.")
        recipe_errors = {}
        if dataset is not None:
            recipe_errors = recipes.draw_recipe_form(dataset.task, training.settings(), spec, disabled=busy)
        values, setting_errors = training.draw_settings_form(disabled=busy)
        setting_errors.update(recipe_errors)
        init_values, _ = forms.param_form(
            (training.init_param(),), {"init": spec.get("init", "default")}, "model", disabled=busy
        )
        model.set_model_field("init", init_values["init"])
        st.caption(
            f"**Initialisation · {init_values['init']}**: {dlcore.INITIALISERS.get(init_values['init']).help}"
        )
        device = dlcore.device_info(values["device"])  # the menu only offers devices this machine has
        st.caption(
            f"Training runs on **{device['name']}**."
            + ("" if "cuda" in device["available"] else " No GPU found: small models train fine on the CPU.")
        )

summary.caption(training.run_summary(spec, dataset, choice, values))

# Pre-flight: everything that would stop a run is explained here, before Start is pressed.
problems = training.preflight(spec, dataset, values, setting_errors)
for problem in problems:
    show_error(problem.error)
    if problem.fix_label:
        st.button(problem.fix_label, key=f"fix-{problem.fix_label}", on_click=problem.fix)
if not problems:
    training.draw_loss_advice(dataset, values)
if any(problem.on_build for problem in problems):
    st.page_link(
        "pages/build.py", label="Open the Build page to change the model", icon=":material/construction:"
    )


def command(action) -> None:
    """Run a button's action; a DlcoreError becomes a message shown under the buttons, not a traceback."""
    try:
        action()
    except dlcore.DlcoreError as err:
        st.session_state["command_error"] = err.message


def start(paused: bool = False) -> None:
    command(lambda: training.start(spec, dataset, values, paused=paused))


def step(unit: str) -> None:
    """Step the paused run, or start one paused at step 0 and step that (to watch the very first batch)."""
    if not job_is_active(current_job()):
        start(paused=True)
    if job_is_active(current_job()):
        command(lambda: current_job().step(unit))


can_start = not busy and not problems
paused = drawn_status == "paused"
fresh = paused and job.progress()["step"] == 0  # reset (or not yet stepped): Start sets it going
# The step buttons get more room: their labels are the longest, and labels never truncate.
start_col, pause_col, step_col, epoch_col, stop_col, reset_col = st.columns([1, 1, 1.3, 1.3, 1, 1])
start_col.button(
    "Start",
    icon=":material/play_arrow:",
    type="primary",
    disabled=not (can_start or fresh),
    on_click=job.resume if fresh else start,
    width="stretch",
)
if paused:
    pause_col.button("Resume", icon=":material/play_arrow:", on_click=job.resume, width="stretch")
else:
    pause_col.button(
        "Pause",
        icon=":material/pause:",
        disabled=not busy,
        on_click=lambda: job.pause(),
        width="stretch",
        help="Freeze training here; Step then moves it on one batch or one epoch at a time.",
    )
step_col.button(
    "Step 1 batch",
    icon=":material/skip_next:",
    disabled=not (paused or can_start),
    on_click=step,
    args=("batch",),
    width="stretch",
    help="Train on one more batch, then pause: watch a single update happen.",
)
epoch_col.button(
    "Step 1 epoch",
    icon=":material/fast_forward:",
    disabled=not (paused or can_start),
    on_click=step,
    args=("epoch",),
    width="stretch",
    help="Train one whole pass over the training set (as many batches as an epoch has), then pause.",
)
stop_col.button(
    "Stop",
    icon=":material/stop:",
    disabled=not busy,
    on_click=lambda: job.stop(),
    width="stretch",
    help="End this run now; its test-set results are still computed.",
)
reset_col.button(
    "Reset",
    icon=":material/restart_alt:",
    disabled=job is None,
    on_click=lambda: command(job.reset),
    width="stretch",
    help="Back to step 0 with fresh weights and empty charts, paused: press Start or Step to go again.",
)
if "command_error" in st.session_state:
    show_error(st.session_state.pop("command_error"))

if job is None:
    st.info(
        "No run yet in this tab. Press **Start** to train; the charts fill in as it learns.",
        icon=":material/play_arrow:",
    )

live(training.draw_live, drawn_status=drawn_status)  # curves and numbers, 4 times a second
live(training.draw_diagnostics, seconds=training.SLOW_POLL_S)

if job is not None and job.status in ("finished", "stopped") and job.result:
    training.draw_results(job)

if job is not None and job.status in ("paused", "finished", "stopped"):
    checkpoint, csv = training.job_downloads(job)
    model_col, csv_col = st.columns(2)
    model_col.download_button(
        "Download trained model (.zip)",
        checkpoint,
        file_name=f"{model.file_stem(job.spec.name)}.zip",  # the run's model, not the one on screen
        mime="application/zip",
        help="The spec (JSON) and the weights (safetensors): safe to share and load.",
    )
    csv_col.download_button("Download metrics (CSV)", csv, file_name="metrics.csv", mime="text/csv")

with st.expander("Load a saved model"):
    training.draw_checkpoint_upload()
