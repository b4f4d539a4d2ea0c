"""The Train page's parts: dataset choice, hyperparameter forms, the pre-flight check, live view, results.

Everything the student chooses is plain data in st.session_state ("data_choice", "train_settings"), so
it survives page switches; the job itself lives in ui.session.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

import dlcore
import dlcore.data
from dlcore import plots
from ui import forms, model, recipes
from ui.session import session_owner, set_job
from ui.steady_chart import steady_chart
from ui.text import plain
from ui.uploads import parse_once

DATA_KEY = "data_choice"
SETTINGS_KEY = "train_settings"
DEFAULT_DATASET = "digits"
# Plotly config of the live charts (they redraw in place and carry their own look, see ui.steady_chart)
LIVE_CHART = {"displaylogo": False}
VIEW_SHARE = 0.2  # at most this share of the time goes to making a run's live view (samples, answers)
SLOW_POLL_S = 1.0  # gradient chart and health advice: slow to change, costly to draw
RESUME_KEY = "resume_checkpoint"  # the uploaded model: {"name", "bytes", "spec", "use", "note"}
# Fields of TrainConfig the page shows, in this order; the rest keep their defaults.
MAIN_FIELDS = ("loss", "optimizer", "lr", "schedule", "batch_size", "epochs")
MORE_FIELDS = ("weight_decay", "l1", "device", "seed", "early_stopping_patience", "max_seconds")
CATALOGUES = {"loss": "LOSSES", "optimizer": "OPTIMIZERS", "schedule": "SCHEDULES"}
SUPERVISED = "supervised"  # the recipe that keeps the page's one-click fixes for inputs, outputs and losses
OPTION_FIELDS = {"loss": "loss_options", "optimizer": "optimizer_options", "schedule": "schedule_options"}


# ---------------------------------------------------------------- dataset


def data_choice() -> dict[str, Any]:
    """{"name": ..., "options": {...}}: the dataset the student picked (digits to begin with)."""
    if DATA_KEY not in st.session_state:
        names = dlcore.data.names()
        st.session_state[DATA_KEY] = {
            "name": DEFAULT_DATASET if DEFAULT_DATASET in names else names[0],
            "options": {},
        }
    return st.session_state[DATA_KEY]


def choose_dataset(name: str) -> None:
    """Pick dataset `name` with its default options (e.g. the one a preset suggests), if it exists."""
    if name in dlcore.data.names():
        st.session_state[DATA_KEY] = {"name": name, "options": {}}
        st.session_state.pop("data.name", None)  # re-seed the select box


@st.cache_resource(max_entries=24, show_spinner="Preparing the dataset…")
def _load(name: str, options_json: str):
    # Process-wide and read-only: every tab training on the same data shares one copy of the tensors.
    return dlcore.data.load(name, **json.loads(options_json))


@st.cache_resource(max_entries=24, show_spinner=False)
def _preview(name: str, options_json: str):
    return plots.dataset_preview(_load(name, options_json))


def load_dataset(choice: dict[str, Any]):
    """The Dataset for a choice (cached, shared; never mutate it). Raises DataError on a bad option."""
    return _load(choice["name"], json.dumps(choice["options"], sort_keys=True))


def dataset_preview(choice: dict[str, Any]):
    return _preview(choice["name"], json.dumps(choice["options"], sort_keys=True))


def draw_dataset_picker() -> dict[str, Any]:
    """Dataset select box, its description and its options form; returns the (updated) choice."""
    choice = data_choice()
    names = dlcore.data.names()
    name = st.selectbox(
        "Dataset",
        names,
        index=names.index(choice["name"]) if choice["name"] in names else 0,
        format_func=lambda n: f"{n} ({dlcore.data.info(n).family})",
        key="data.name",
        help="Every dataset is generated or shipped with the app: nothing is downloaded.",
    )
    if name != choice["name"]:
        choice = {"name": name, "options": {}}
    info = dlcore.data.info(name)
    st.caption(f"{info.description} Task: **{info.task}**.")
    with st.expander("Dataset options"):
        values, errors = forms.param_form(
            dlcore.data.options(name), choice["options"], key_prefix=f"data.{name}"
        )
    if not errors:
        choice = {"name": name, "options": values}
    st.session_state[DATA_KEY] = choice
    return choice


# ---------------------------------------------------------------- hyperparameters


def train_params() -> dict[str, dlcore.Param]:
    """TrainConfig's Params, with the catalogue names as choices and the detected device in the help."""
    params = {p.name: p for p in dlcore.TrainConfig.params()}
    for field, registry_name in CATALOGUES.items():
        registry = getattr(dlcore, registry_name)
        params[field] = dataclasses.replace(params[field], kind="choice", choices=tuple(registry.names()))
    info = dlcore.device_info()
    params["device"] = dataclasses.replace(
        params["device"],
        choices=("auto", *info["available"]),
        help=f"{params['device'].help} 'auto' here means: {info['name']}.",
    )
    return params


def settings() -> dict[str, Any]:
    """The hyperparameters as TrainConfig.to_dict() data (defaults to begin with)."""
    if SETTINGS_KEY not in st.session_state:
        st.session_state[SETTINGS_KEY] = dlcore.TrainConfig().to_dict()
    return st.session_state[SETTINGS_KEY]


def set_setting(field: str, value: Any) -> None:
    """Change one setting from a button (its widget is re-seeded from the new value)."""
    settings()[field] = value
    st.session_state.pop(f"train.{field}", None)


def use_preset(preset: dlcore.Preset) -> None:
    """Choose the dataset and the settings `preset` trains well with; the others go back to their defaults
    (the device stays: it is this machine's choice, not the preset's)."""
    choose_dataset(preset.spec.dataset)
    recipes.use_preset(preset)
    if preset.settings:
        device = settings()["device"]
        st.session_state[SETTINGS_KEY] = {
            **dlcore.TrainConfig().to_dict(),
            **preset.settings,
            "device": device,
        }
        forms.forget_widgets("train")


def preset_settings_text(preset: dlcore.Preset) -> str:
    """What loading `preset` set on the Train page, in one sentence."""
    s = preset.settings
    catalogue = dlcore.preset_catalogue()
    team = "".join(
        f" with the **{catalogue[key].name}** as its {role}" for role, key in preset.partners.items()
    )
    how = (
        f"the **{dlcore.RECIPES.get(s['recipe']).title}** recipe{team}"
        if "recipe" in s
        else f"**{s['loss']}** loss"
    )
    return (
        f"Training is set up for it: **{preset.spec.dataset}** data, {how}, "
        f"**{s['optimizer']}** at learning rate **{s['lr']:g}**, **{s['epochs']}** epochs"
        + (f", batches of **{s['batch_size']}**" if "batch_size" in s else "")
        + " (the other settings at their defaults)."
    )


def _catalogue_entry(field: str, name: str):
    return getattr(dlcore, CATALOGUES[field]).get(name)


def draw_settings_form(disabled: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Hyperparameter widgets (each with help), plus the chosen loss/optimizer/schedule's own options.
    Returns (values, errors): an entry out of its range is refused beside its box and named in `errors`
    (its field keeps the last good value in `values`, which must then not train: see preflight)."""
    values = dict(settings())
    params = train_params()
    main, errors = forms.param_form(
        tuple(params[f] for f in MAIN_FIELDS), values, "train", columns=3, disabled=disabled
    )
    values.update(main)
    entries = {field: _catalogue_entry(field, values[field]) for field in CATALOGUES}
    for field, entry in entries.items():
        st.caption(f"**{field.title()} · {entry.name}**: {entry.help}")
    with st.expander("Options of this loss, optimizer and schedule"):
        for field, entry in entries.items():
            options_field = OPTION_FIELDS[field]
            if not entry.params:
                values[options_field] = {}
                continue
            st.markdown(f"**{entry.name}**")
            # options only carry over while the same loss/optimizer/schedule stays chosen
            previous = values.get(options_field) or {}
            if set(previous) - {p.name for p in entry.params}:
                previous = {}
            opts, opt_errors = forms.param_form(
                entry.params, previous, f"train.{field}.{entry.name}", columns=3, disabled=disabled
            )
            values[options_field] = opts
            errors.update(opt_errors)
    with st.expander("Regularisation, device, seed and limits"):
        more, more_errors = forms.param_form(
            tuple(params[f] for f in MORE_FIELDS), values, "train", columns=3, disabled=disabled
        )
    values.update(more)
    errors.update(more_errors)
    st.session_state[SETTINGS_KEY] = values
    return values, errors


def run_summary(spec_dict: dict[str, Any], dataset, choice: dict[str, Any], values: dict[str, Any]) -> str:
    """One line saying what Start trains: the model (or a recipe's models), the data and the main settings
    (they fold away)."""
    name = plain(spec_dict.get("name") or "your model")
    epochs = values["epochs"] or "∞"
    layers = len(spec_dict["layers"])
    what = f"**{name}** ({layers} layer{'' if layers == 1 else 's'})"
    how = values["loss"]
    kind = _recipe_kind(dataset, values)
    if kind is not None and kind.name != SUPERVISED:
        what, how = recipes.run_models_text(kind, spec_dict), f"{kind.title} recipe"
    return (
        f"Training {what} on **{choice['name']}** · {how} · {values['optimizer']} · lr {values['lr']:g} · "
        f"batch {values['batch_size']} · {epochs} epochs"
    )


def _recipe_kind(dataset, values: dict[str, Any]):
    """The recipe the settings train with on `dataset`, or None when there is no dataset or no such recipe."""
    if dataset is None:
        return None
    try:
        return recipes.kind_of(values.get("recipe") or recipes.AUTO, dataset.task)
    except dlcore.DlcoreError:
        return None


def init_param() -> dlcore.Param:
    """How the model's weights start (a field of the model spec, chosen here beside the other settings)."""
    return dlcore.Param(
        "init",
        "choice",
        "default",
        "How the weights start before training. Try 'zeros' to see why random starts matter.",
        choices=tuple(dlcore.INITIALISERS.names()),
    )


def make_config(values: dict[str, Any]) -> dlcore.TrainConfig:
    """TrainConfig from the form's values (raises TrainError naming the field)."""
    return dlcore.TrainConfig.from_dict(values)


# ---------------------------------------------------------------- live view and results


def _format_eta(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:  # None or NaN: not known yet
        return "–"
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _format_rate(rate: float | None) -> str:
    return "–" if rate is None or rate != rate else f"{rate:,.0f}"  # None or NaN: nothing measured yet


def progress_text(progress: dict, status: str) -> str:
    """Where the run is; its speed and time to go only while it trains (a paused or ended run has none)."""
    total = progress.get("epochs") or "∞"
    text = f"Epoch {progress.get('epoch', 0)}/{total} · step {progress.get('step', 0):,} · "
    if status not in ("running", "queued"):
        return text + status
    text += (
        f"{_format_rate(progress.get('samples_per_s'))} samples/s · ETA {_format_eta(progress.get('eta_s'))}"
    )
    if progress.get("sharing_with"):
        others = progress["sharing_with"]
        text += f" · taking turns with {others} other run{'s' if others > 1 else ''} on this server"
    return text


def _losses_title(job, logged: list[str]) -> str:
    """Each model's own loss (a GAN's generator and discriminator), or the terms one loss is made of (a
    VAE's reconstruction and KL)."""
    by_role = any(name.startswith(role) for name in logged for role in job.roles)
    return "Losses by role" if by_role else "Parts of the loss"


def draw_live(job) -> None:
    """Progress, latest numbers and the loss/accuracy curves of `job`, redrawn at the fast poll (or empty
    charts before the first run, so Plotly's scripts are loaded before Start is pressed)."""
    metrics = job.metrics() if job is not None else None
    epochs = job.epoch_metrics() if job is not None else None
    roles = plots.logged_losses(metrics, epochs)  # a recipe's per-role losses, if it logs them
    if job is not None:
        progress = job.progress()
        # The run's own model and data, which may no longer be what the page shows.
        run = f"{run_models(job, 'Your model')} on {job.dataset.name} · "
        st.progress(
            min(1.0, float(progress.get("fraction") or 0.0)), text=run + progress_text(progress, job.status)
        )
        _draw_latest(metrics, epochs, roles)
    loss_col, view_col = st.columns(2)
    with loss_col:
        losses = (
            plots.role_losses(metrics, roles, _losses_title(job, roles))
            if roles
            else plots.loss_curve(metrics, epochs)
        )
        steady_chart(losses, "loss_chart", LIVE_CHART)
    with view_col:
        samples = sample_view(job)
        if samples is not None:
            steady_chart(samples, "sample_chart", LIVE_CHART)
        else:
            steady_chart(plots.accuracy_curve(metrics, epochs), "accuracy_chart", LIVE_CHART)


def sample_view(job):
    """What a run makes now (points over the data, a grid of images, a language model's answers), made
    again when it has trained on since, but never taking more than VIEW_SHARE of the time: a diffusion
    model walks back through all its noise levels to make one picture, and the run must keep training.
    None for a run that makes nothing to show."""
    if job is None:
        return None
    cache = st.session_state.setdefault("_live_view", {})
    if cache.get("job") is not job:
        cache.clear()
        cache.update(job=job, step=None, figure=None, shows=True, at=0.0, cost=0.0)
    step, now = job.progress()["step"], time.monotonic()
    if cache["shows"] and cache["step"] != step and now >= cache["at"] + cache["cost"] / VIEW_SHARE:
        try:
            figure = dlcore.live_view(job)
        except dlcore.DlcoreError:  # the run went away or did not answer in time: keep the last picture
            return cache["figure"]
        cache.update(step=step, figure=figure, shows=figure is not None, at=now, cost=time.monotonic() - now)
    return cache["figure"]


def draw_diagnostics(job) -> None:
    """Gradient norms per layer, health advice, and why a run waits or failed: these change slowly and
    cost more to compute and to draw, so they are polled at SLOW_POLL_S (see pages/train.py)."""
    grads = job.grad_norms() if job is not None else None
    steady_chart(plots.grad_norm_chart(grads), "grad_chart", LIVE_CHART)
    if job is None:
        return
    if job.status == "queued":
        st.info(
            "Waiting for a turn: other runs are using this server's processors right now. Runs take "
            "turns, so yours starts in a moment.",
            icon=":material/hourglass_top:",
        )
    for warning in job.health():
        st.warning(f"**{warning['message']}** {warning.get('fix', '')}", icon=":material/stethoscope:")
    if job.status == "failed":
        st.error(job.error or "Training stopped with an error.", icon=":material/error:")


def _latest(df, column: str):
    if df is None or column not in df.columns:
        return None
    values = df[column].dropna()
    return None if values.empty else float(values.iloc[-1])


def _draw_latest(metrics, epochs, roles: list[str]) -> None:
    """The newest numbers as big metrics: what a student reads off a projector. After the losses: each
    role's loss for a recipe that logs them, else accuracy, R², or the recipe's own scores."""
    cells = [
        ("Train loss", _latest(metrics, "train_loss"), "{:.4f}"),
        ("Validation loss", _latest(epochs, "val_loss"), "{:.4f}"),
        ("Train accuracy", _latest(metrics, "train_accuracy"), "{:.1%}"),
        ("Validation accuracy", _latest(epochs, "val_accuracy"), "{:.1%}"),
    ]
    scores = [
        c for c in (epochs.columns if epochs is not None else ()) if c.startswith("val_") and c != "val_loss"
    ]
    if roles:
        cells[2:] = [(_label(name), _latest(metrics, f"train_{name}"), "{:.4f}") for name in roles[:2]]
    elif _latest(epochs, "val_r2") is not None or _latest(metrics, "train_r2") is not None:
        cells[2:] = [
            ("Train R²", _latest(metrics, "train_r2"), "{:.3f}"),
            ("Validation R²", _latest(epochs, "val_r2"), "{:.3f}"),
        ]
    elif scores and "val_accuracy" not in scores:
        cells[2:] = [
            (_label(name).replace("Val ", "Validation "), _latest(epochs, name), "{:.4f}")
            for name in scores[:2]
        ]
    for col, (label, value, fmt) in zip(st.columns(len(cells)), cells, strict=True):
        col.metric(label, "–" if value is None else fmt.format(value))


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _label(name: str) -> str:
    """'generator_loss' -> 'Generator loss'; a short name is an abbreviation: 'kl' -> 'KL'."""
    return name.upper() if len(name) <= 2 else name.replace("_", " ").capitalize()


def run_models(job, unnamed: str) -> str:
    """The names of the run's models: 'GAN generator + GAN discriminator' (an autoencoder cut in two
    halves is one name)."""
    names = dict.fromkeys(spec.name or unnamed for spec in job.setup.models.values())
    return " + ".join(plain(name) for name in names)


def results_title(job) -> str:
    """Whose results these are: the run's own model and dataset, which may no longer be the ones on screen."""
    return f"Test results of {run_models(job, 'your model')} on {job.dataset.name}"


def _trained_what_is_on_screen(job) -> bool:
    return model.is_current(job.spec) and job.dataset.name == data_choice()["name"]


def draw_results(job) -> None:
    """Test-set results of a finished job, under a title naming its model and dataset: accuracy (or R²),
    per-class table and confusion matrix; predictions against targets, or reconstructions beside inputs."""
    result = job.result or {}
    st.subheader(results_title(job))
    if not _trained_what_is_on_screen(job):
        st.caption(
            "From the last run: the model or the dataset has changed since. Press **Start** to train "
            "the one above."
        )
    values = result.get("predictions") is not None
    # regression and autoencoders: the numbers stacked beside their (square) figure
    numbers_col, figure_col = st.columns([1, 2]) if values else (None, None)
    cols = [numbers_col, numbers_col] if values else st.columns(3)
    if result.get("test_accuracy") is not None:
        cols[0].metric("Test accuracy", f"{result['test_accuracy']:.1%}")
    if result.get("r2") is not None:
        cols[0].metric("Test R²", f"{result['r2']:.3f}")
    if result.get("test_loss") is not None:
        cols[1].metric("Test loss", f"{result['test_loss']:.4f}")
    if not values and result.get("test_accuracy") is None:  # a recipe's own scores (GAN, VAE, diffusion)
        scores = [k for k, v in result.items() if k.startswith("test_") and k != "test_loss" and _number(v)]
        for col, name in zip((cols[0], cols[2]), scores, strict=False):
            col.metric(_label(name.replace("test_", "test ")), f"{result[name]:.4f}")
    if values:
        rebuilds = dlcore.TASKS.get(job.dataset.task).learned_by_supervision().name == "reconstruction"
        draw = plots.reconstructions if rebuilds else plots.predictions_vs_targets
        figure_col.plotly_chart(draw(result["targets"], result["predictions"]), key="value_results")
    per_class = result.get("per_class")
    matrix = result.get("confusion_matrix")
    if per_class is not None and matrix is not None:
        table_col, matrix_col = st.columns([1, 1.3])
        table_col.markdown(
            "**Per class** (precision: how often a prediction of the class is right; recall: "
            "how many of the class are found; F1: their balance)"
        )
        scores = {c: st.column_config.NumberColumn(format="%.2f") for c in ("precision", "recall", "f1")}
        table_col.dataframe(per_class, hide_index=True, width="stretch", column_config=scores)
        matrix_col.plotly_chart(
            plots.confusion_matrix(matrix, result.get("class_names") or []), key="confusion_matrix"
        )


def job_downloads(job) -> tuple[bytes, str]:
    """(checkpoint zip, metrics CSV) of `job`, made once per job and kept for the download buttons."""
    cache = st.session_state.setdefault("_downloads", {})
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


# ---------------------------------------------------------------- before Start


@dataclass
class Problem:
    """Something that would stop a run, explained before Start; `fix` (if any) repairs it in one click.
    `on_build`: the change to make is in the model, on the Build page (else in the settings here)."""

    error: dlcore.DlcoreError
    fix_label: str | None = None
    fix: Callable[[], None] | None = None
    on_build: bool = False


def preflight(
    spec_dict: dict[str, Any], dataset, values: dict[str, Any], setting_errors: dict[str, str] | None = None
) -> list[Problem]:
    """Every reason the model, data and settings cannot train together, with a one-click fix where the
    right change is clear. `setting_errors`: fields refused by the settings form. An empty list means
    Start will work."""
    if dataset is None:
        return [
            Problem(dlcore.DataError("The dataset above cannot be made with these options: change them."))
        ]
    problems = []
    if setting_errors:
        names = ", ".join(f"'{name}'" for name in setting_errors)
        message = f"Fix the setting{'s' if len(setting_errors) > 1 else ''} marked above ({names}) to start."
        problems.append(Problem(dlcore.TrainError(message, field=next(iter(setting_errors)))))
    try:
        cfg = make_config(values)
        kind = recipes.kind_of(cfg.recipe, dataset.task)
    except dlcore.DlcoreError as err:
        return problems + [Problem(err)]
    if kind.name != SUPERVISED:
        return problems + _recipe_problems(kind, spec_dict, dataset, cfg)
    try:
        spec = dlcore.ModelSpec.from_dict(spec_dict)
    except dlcore.DlcoreError as err:
        return problems + [Problem(err, on_build=True)]
    wanted = tuple(dataset.input_shape)
    if tuple(spec.input_shape) != wanted:
        shape = ", ".join(map(str, wanted))
        has = ", ".join(map(str, spec.input_shape))
        message = (
            f"The model takes inputs of shape ({has}) but each {dataset.name} example has shape ({shape}). "
            f"Set the model's input shape to ({shape})."
        )
        fix = lambda: model.set_model_field("input_shape", list(wanted), reset_widget=True)  # noqa: E731
        return problems + [
            Problem(
                dlcore.SpecError(message, field="input_shape"),
                f"Use input shape ({shape})",
                fix,
                on_build=True,
            )
        ]
    try:
        dlcore.validate(spec)
        classes = dataset.num_classes or getattr(dataset, "vocab_size", None)
        mismatch = dlcore.check_compatibility(
            spec, dataset.task, classes, values["loss"], target_shape=tuple(dataset.target_shape)
        )
    except dlcore.DlcoreError as err:
        mismatch = err
    if mismatch is not None:
        problems.append(_mismatch_problem(mismatch, spec_dict, dataset, values["loss"]))
    return problems


def _recipe_problems(kind, spec_dict, dataset, cfg) -> list[Problem]:
    """Why the models of a recipe's roles cannot train together on `dataset`: a role with no model yet
    (fixed in one click with a preset made for it), or the recipe's own check, which names the role, the
    layer and the change to make on the Build page."""
    try:
        dlcore.recipe_for(kind.name, dataset.task)
    except dlcore.DlcoreError as err:
        auto = recipes.kind_of(recipes.AUTO, dataset.task).title
        return [Problem(err, f"Use the {auto} recipe", lambda: set_setting("recipe", recipes.AUTO))]
    problems = []
    for role in recipes.missing_roles(kind, spec_dict):
        message = (
            f"The {kind.title} recipe also trains a {role}, and there is none yet: load a preset that "
            f"trains with one on the Build page, or use the one offered here."
        )
        error, offered = dlcore.SpecError(message, field=role), recipes.presets_for(kind.name, role)
        if not offered:
            problems.append(Problem(error, on_build=True))
            continue
        fix = lambda role=role, spec=offered[0].spec: recipes.set_partner(role, spec)  # noqa: E731
        problems.append(Problem(error, f"Use the {offered[0].name}", fix))
    if problems:
        return problems
    try:
        specs = {role: dlcore.ModelSpec.from_dict(d) for role, d in recipes.team(kind, spec_dict).items()}
        kind.check(specs, dataset, cfg, kind.options(cfg.recipe_options))
    except dlcore.DlcoreError as err:
        problems.append(Problem(err, on_build=True))
    return problems


def _mismatch_problem(err, spec_dict, dataset, loss: str) -> Problem:
    """A loss that does not suit the task is fixed here (the first loss that suits it); anything else
    that does not fit is a change to the model."""
    suited = dlcore.suited_losses(dataset.task)
    if suited and loss not in suited:
        return Problem(err, f"Use the {suited[0]} loss", lambda: set_setting("loss", suited[0]))
    return Problem(err, *_output_fix(err, spec_dict, dataset, loss), on_build=True)


def draw_loss_advice(dataset, values: dict[str, Any]) -> None:
    """A value loss on classes trains, so it is no Problem; say which loss is made for classes, one click
    away (a loss kept from a regression run would otherwise go unnoticed). Supervised learning only: a VAE
    on digits rebuilds pixels, so its value loss is the right one."""
    kind = _recipe_kind(dataset, values)
    if kind is None or kind.name != SUPERVISED:
        return
    advice = dlcore.better_loss(dataset.task, values["loss"])
    if advice is not None:
        better, why = advice
        st.info(why, icon=":material/lightbulb:")
        st.button(f"Use the {better} loss", key="loss-advice", on_click=set_setting, args=("loss", better))


def _output_fix(err, spec_dict, dataset, loss: str) -> tuple[str | None, Callable[[], None] | None]:
    """For "one output per class" mismatches: set the last Linear's out_features to the number of classes."""
    if err.field not in ("out_features", "output_shape") or loss not in ("cross_entropy", "nll"):
        return None, None
    linears = [i for i, layer in enumerate(spec_dict["layers"]) if layer.get("type") == "Linear"]
    if not dataset.num_classes or not linears:
        return None, None
    index, classes = linears[-1], dataset.num_classes
    layer_id = model.layer_ids()[index]
    return f"Set layer {index + 1}'s out_features to {classes}", lambda: model.update_layer(
        layer_id, {"out_features": classes}, reset_widgets=True
    )


def start(spec_dict: dict[str, Any], dataset, values: dict[str, Any], *, paused: bool = False):
    """Start this tab's run (replacing any earlier one): the model on Build, with the models of the
    recipe's other roles if it has several; from the uploaded weights if the student asked."""
    cfg = make_config(values)
    setup = _setup(spec_dict, dataset, cfg)
    resume = st.session_state.get(RESUME_KEY)
    resume_from = resume["bytes"] if resume and resume["use"] and resume["spec"] == setup else None
    job = dlcore.start_training(
        setup, dataset, cfg, owner=session_owner(), paused=paused, resume_from=resume_from
    )
    set_job(job)
    st.session_state.pop("_downloads", None)
    return job


def _setup(spec_dict: dict[str, Any], dataset, cfg: dlcore.TrainConfig):
    """What Start trains: the model on Build (a ModelSpec), or, for a recipe of several roles, the recipe
    with a model per role and its options (a RecipeSpec)."""
    kind = recipes.kind_of(cfg.recipe, dataset.task)
    team = recipes.team(kind, spec_dict)
    if len(team) == 1:
        return dlcore.ModelSpec.from_dict(spec_dict)
    return dlcore.RecipeSpec.from_dict({"recipe": kind.name, "models": team, "options": cfg.recipe_options})


def _uploaded_is_current(resume: dict[str, Any]) -> bool:
    """Whether the uploaded model (or team) is still what Start would train."""
    try:
        return resume["spec"] == _setup(
            model.model_dict(), load_dataset(data_choice()), make_config(settings())
        )
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
        parsed = parse_once(upload, _read_checkpoint, "checkpoint_upload_parsed")
        if parsed.error is not None:
            st.error(
                plain(f"{upload.name} was not loaded, nothing changed. {parsed.error.message}"),
                icon=":material/description:",
            )
        elif parsed.fresh:
            _adopt(upload.name, *parsed.value)
            st.rerun()  # the whole page again, drawn for the uploaded model and its dataset
    resume = st.session_state.get(RESUME_KEY)
    if resume is None:
        return
    if not _uploaded_is_current(resume):
        name = plain(resume["name"])
        st.caption(f"You changed the architecture since loading {name}: Start trains it afresh.")
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
        on_build = recipes.adopt_team(spec)
        settings().update(recipe=spec.recipe, recipe_options=dict(spec.options))
        forms.forget_widgets("train")
    model.set_model(on_build)
    choose_dataset(on_build.dataset)
    note = ""
    try:
        dataset = load_dataset(data_choice())
        set_job(dlcore.loaded_job(data, dataset, make_config(settings()), owner=session_owner()))
        st.session_state.pop("_downloads", None)
    except dlcore.DlcoreError as err:
        note = f"Inspect and Explain can show it once it trains here: {err.message}"
    st.session_state[RESUME_KEY] = {"name": name, "bytes": data, "spec": spec, "use": True, "note": note}
