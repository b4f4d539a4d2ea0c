"""The Train page's live view: where the run is, its newest numbers, the loss and accuracy curves (or each
role's losses, and what a generative run makes), redrawn at the fast poll; gradient norms and health advice
at the slow one."""

from __future__ import annotations

import time

import streamlit as st

import dlcore
from dlcore import plots
from ui.state import LIVE_VIEW
from ui.steady_chart import steady_chart
from ui.text import plain

# Plotly config of the live charts (they redraw in place and carry their own look, see ui.steady_chart)
LIVE_CHART = {"displaylogo": False}
VIEW_SHARE = 0.2  # at most this share of the time goes to making a run's live view (samples, answers)
SLOW_POLL_S = 1.0  # gradient chart and health advice: slow to change, costly to draw


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
    cache = st.session_state.setdefault(LIVE_VIEW, {})
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
        cells[2:] = [(label(name), _latest(metrics, f"train_{name}"), "{:.4f}") for name in roles[:2]]
    elif _latest(epochs, "val_r2") is not None or _latest(metrics, "train_r2") is not None:
        cells[2:] = [
            ("Train R²", _latest(metrics, "train_r2"), "{:.3f}"),
            ("Validation R²", _latest(epochs, "val_r2"), "{:.3f}"),
        ]
    elif scores and "val_accuracy" not in scores:
        cells[2:] = [
            (label(name).replace("Val ", "Validation "), _latest(epochs, name), "{:.4f}")
            for name in scores[:2]
        ]
    for col, (text, value, fmt) in zip(st.columns(len(cells)), cells, strict=True):
        col.metric(text, "–" if value is None else fmt.format(value))


def label(name: str) -> str:
    """'generator_loss' -> 'Generator loss'; a short name is an abbreviation: 'kl' -> 'KL'."""
    return name.upper() if len(name) <= 2 else name.replace("_", " ").capitalize()


def run_models(job, unnamed: str) -> str:
    """The names of the run's models: 'GAN generator + GAN discriminator' (an autoencoder cut in two
    halves is one name)."""
    names = dict.fromkeys(spec.name or unnamed for spec in job.setup.models.values())
    return " + ".join(plain(name) for name in names)
