"""The training-health monitor: what looks wrong with a run, why it probably happens and what to try.

`diagnose` reads what a job has logged (step losses, epoch scores, per-layer gradient norms, dead-ReLU
shares) and returns findings in plain language, most serious first:
    {"kind": "vanishing_gradients", "severity": "warning", "message": "...", "fix": "..."}
Kinds: diverged, loss_spike, at_chance, below_chance, exploding_gradients, vanishing_gradients, dead_relus,
plateau, overfitting. The loss and accuracy checks read every logged step and scored epoch, so they work
on a run of any length (gradient norms are only sampled a few times a second).
Severities: "error" (training is broken), "warning" (it will not learn well), "info".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

EXPLODING_NORM = 1e3  # a layer's gradient norm above this is almost never healthy
EXPLODING_GROWTH = 100.0  # ... or one this many times its early size
VANISHING_RATIO = 1e-3  # first layer's gradient this far below the last layer's: orders of magnitude
DEAD_SHARE = 0.5  # share of units of a ReLU layer that never switch on
PLATEAU_MIN_STEPS = 300
PLATEAU_GAIN = 0.01  # less than 1% better than the window before
OVERFIT_RISE = 0.10  # validation loss 10% above its best (and the training loss) while training loss falls
OVERFIT_MIN_RISE = 0.01  # ... by a visible amount, not rounding noise near zero

SPIKE_RATIO = 10.0  # a training loss this many times its starting value: the weights were thrown away
CHANCE_MARGIN = 0.05  # accuracy within this of chance (at most half of chance) is guessing
CHANCE_MIN_EPOCHS = 2  # without a loss spike, a model is given two passes and 300 steps before it is
CHANCE_MIN_STEPS = 300  # "still guessing" (a small dataset makes short epochs)

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def finding(kind: str, severity: str, message: str, fix: str) -> dict:
    return {"kind": kind, "severity": severity, "message": message, "fix": fix}


def diagnose(
    steps: pd.DataFrame,
    epochs: pd.DataFrame,
    grads: pd.DataFrame,
    dead_relus: dict[str, float],
    config=None,
    error: str | None = None,
    num_classes: int | None = None,
    loss_falls: bool = True,
) -> list[dict]:
    """Findings about a run, most serious first (an empty list: nothing looks wrong). `num_classes` (of a
    classifier) sets the accuracy of guessing. `loss_falls` False (a GAN's contest, whose losses level off
    and jump by design): nothing is read into the shape of the loss curve."""
    found = []
    if error:
        found.append(finding("diverged", "error", error, _divergence_fix(config)))
    spike = loss_spike_findings(steps, config) if loss_falls else []
    found += spike
    found += chance_findings(epochs, num_classes, config, spiked=bool(spike))
    found += gradient_findings(grads, config)
    found += dead_relu_findings(dead_relus, steps)
    if loss_falls:
        found += plateau_findings(steps, config)
        found += overfitting_findings(epochs)
    return sorted(found, key=lambda f: SEVERITY_ORDER[f["severity"]])


def _divergence_fix(config) -> str:
    if config is None:
        return "Lower the learning rate 10×."
    return f"Lower the learning rate 10× (to {config.lr / 10:g}), or switch to adam with lr=0.001."


def loss_spike_findings(steps: pd.DataFrame, config=None) -> list[dict]:
    """The training loss shot up to SPIKE_RATIO× where it started (without becoming NaN)."""
    if steps is None or "train_loss" not in steps or len(steps) < 2:
        return []
    losses = steps["train_loss"].to_numpy(dtype=float)
    finite = np.isfinite(losses)
    start = float(losses[finite][0]) if finite.any() else math.nan  # the untrained model's loss
    peak_at = int(np.nanargmax(np.where(finite, losses, -np.inf)))
    peak = float(losses[peak_at])
    if not (math.isfinite(start) and start > 0 and peak_at > 0 and peak > SPIKE_RATIO * start):
        return []
    now = float(losses[finite][-1])
    recovered = now < start
    lr = f" (lr={config.lr:g})" if config is not None else ""
    return [
        finding(
            "loss_spike",
            "warning" if recovered else "error",
            f"The loss exploded: it started at {_number(start)} and shot up to {_number(peak)} at step "
            f"{int(steps['step'].iloc[peak_at]):,}, {peak / start:,.0f}× higher. A step that big threw the "
            f"weights far away from anything useful"
            + (
                ", and training only slowly found its way back. "
                if recovered
                else ", and it has not recovered. "
            )
            + f"Likely cause: the learning rate{lr} is too high.",
            _divergence_fix(config),
        )
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"  # 19,882 reads better than 1.99e+04


def _latest_accuracy(epochs: pd.DataFrame) -> tuple[str, pd.Series] | None:
    """("validation" or "training", that accuracy per scored epoch), validation preferred."""
    for column, name in (("val_accuracy", "validation"), ("train_accuracy", "training")):
        if epochs is not None and column in epochs and epochs[column].notna().any():
            return name, epochs[column].dropna()
    return None


def chance_findings(epochs: pd.DataFrame, num_classes: int | None, config=None, spiked: bool = False):
    """A classifier whose accuracy is that of guessing, or worse: after it had been better or after a loss
    spike (the weights were thrown away), or after CHANCE_MIN_EPOCHS passes (it is not learning). A fresh
    model may well start there, so nothing is said earlier."""
    scored = _latest_accuracy(epochs)
    if scored is None or not num_classes or num_classes < 2:
        return []
    split, accuracy = scored
    chance = 1.0 / num_classes
    margin = min(CHANCE_MARGIN, chance / 2)
    now, best = float(accuracy.iloc[-1]), float(accuracy.max())
    if now > chance + margin:
        return []
    collapsed = best > chance + 2 * margin
    epochs_seen = int(epochs["epoch"].iloc[-1]) if "epoch" in epochs else len(accuracy)
    steps_seen = int(epochs["step"].iloc[-1]) if "step" in epochs else 0
    given_time = epochs_seen >= CHANCE_MIN_EPOCHS and steps_seen >= CHANCE_MIN_STEPS
    if not (collapsed or spiked or given_time):
        return []
    below = now < chance - margin
    guess = f"guessing at random among {num_classes} classes gets {chance:.0%}"
    level = f"worse than guessing ({guess})" if below else f"only guessing ({guess})"
    kind = "below_chance" if below else "at_chance"
    lr = f" (lr={config.lr:g})" if config is not None else ""
    if collapsed or spiked:
        message = (
            f"The {split} accuracy is {now:.0%}: the model is {level}"
            + (f", after it had reached {best:.0%}. " if collapsed else ". ")
            + f"Its weights were thrown away by steps that were too big: the learning rate{lr} is too high."
        )
        return [finding(kind, "error", message, _divergence_fix(config))]
    return [
        finding(
            kind,
            "warning",
            f"After {epochs_seen} epochs the {split} accuracy is {now:.0%}: the model is still {level}. "
            f"If the loss is barely moving, the learning rate{lr} may be too low; if it jumps around, too "
            "high.",
            "Try a learning rate 10× higher or lower, or adam with lr=0.001; check that the last layer has "
            "one output per class.",
        )
    ]


def _recent_norms(grads: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    layers = list(dict.fromkeys(grads["layer"]))  # model order, as logged
    return layers, grads.pivot_table(index="step", columns="layer", values="grad_norm", sort=True)[layers]


def gradient_findings(grads: pd.DataFrame, config=None) -> list[dict]:
    if grads is None or grads.empty:
        return []
    layers, wide = _recent_norms(grads)
    recent = wide.tail(max(1, len(wide) // 5)).mean()
    early = wide.head(max(1, len(wide) // 5)).median()
    found = []
    worst = recent.idxmax()
    grown = recent[worst] / early[worst] if early[worst] > 0 else math.inf
    if recent[worst] > EXPLODING_NORM or (len(wide) >= 10 and grown > EXPLODING_GROWTH and recent[worst] > 1):
        lr = f" (lr={config.lr:g})" if config is not None else ""
        found.append(
            finding(
                "exploding_gradients",
                "error",
                f"Gradients are exploding: layer '{worst}' has a gradient norm of {recent[worst]:.3g}"
                + (f", {grown:.0f}× its size early on" if math.isfinite(grown) and grown > 1 else "")
                + ". Each step then throws the weights far away. Likely cause: a learning rate "
                f"too high{lr}, or a deep stack without normalisation.",
                "Lower the learning rate 10×, add BatchNorm/LayerNorm between layers, or clip the gradients "
                "(the 'clip_grad_norm' setting, e.g. 1).",
            )
        )
    if len(layers) >= 3:
        first, last = recent[layers[0]], recent[layers[-1]]
        if last > 1e-8 and first < last * VANISHING_RATIO:
            orders = math.log10(last / max(first, 1e-30))
            found.append(
                finding(
                    "vanishing_gradients",
                    "warning",
                    f"Gradients are vanishing: the first layer '{layers[0]}' gets a gradient about "
                    f"{orders:.0f} "
                    f"orders of magnitude smaller than the last layer '{layers[-1]}' ({first:.2g} "
                    f"vs {last:.2g}), "
                    "so the early layers barely learn. Likely cause: many saturating activations "
                    "(sigmoid/tanh) "
                    "multiply the gradient by small numbers on its way back.",
                    "Use ReLU activations with He (kaiming) initialisation, add BatchNorm, or add residual "
                    "(skip) connections.",
                )
            )
    return found


def dead_relu_findings(dead_relus: dict[str, float], steps: pd.DataFrame) -> list[dict]:
    found = []
    for layer, share in dead_relus.items():
        if share >= DEAD_SHARE:
            found.append(
                finding(
                    "dead_relus",
                    "error" if share >= 0.9 else "warning",
                    f"{share:.0%} of the units after '{layer}' never switch on for any example in a batch of "
                    "training data: dead ReLUs output 0 and get no gradient, so they stop learning for good. "
                    "Likely cause: a learning rate too high pushed their inputs below zero, or a poor "
                    "initialisation.",
                    "Lower the learning rate, use LeakyReLU (it keeps a small slope below zero), or use He "
                    "(kaiming) initialisation.",
                )
            )
    return found


def _weighted_mean(frame: pd.DataFrame, column: str) -> float:
    values = frame[column].to_numpy(dtype=float)
    weights = frame["count"].to_numpy(dtype=float) if "count" in frame else np.ones(len(values))
    keep = np.isfinite(values)
    if not keep.any():
        return math.nan
    return float(np.average(values[keep], weights=weights[keep]))


def plateau_findings(steps: pd.DataFrame, config=None) -> list[dict]:
    if steps is None or steps.empty or steps["step"].iloc[-1] < PLATEAU_MIN_STEPS:
        return []
    n = len(steps)
    window = max(1, n // 5)
    if n < 3 * window:
        return []
    start = _weighted_mean(steps.head(window), "train_loss")
    before = _weighted_mean(steps.iloc[n - 2 * window : n - window], "train_loss")
    now = _weighted_mean(steps.tail(window), "train_loss")
    if not (math.isfinite(start) and math.isfinite(before) and math.isfinite(now)) or start <= 0:
        return []
    if now > before * (1 - PLATEAU_GAIN) and now > 0.3 * start:
        lr = f" (lr={config.lr:g})" if config is not None else ""
        return [
            finding(
                "plateau",
                "warning",
                f"The training loss stopped improving at about {now:.3g} (it started at "
                f"{start:.3g}): over the "
                f"last stretch it moved less than {PLATEAU_GAIN:.0%}. Likely cause: the learning "
                f"rate{lr} is too low "
                "to make progress or too high to settle, or the model is too small for the task.",
                "Try a learning rate 3× higher or lower, a schedule such as one_cycle, or more units/layers.",
            )
        ]
    return []


def overfitting_findings(epochs: pd.DataFrame) -> list[dict]:
    if epochs is None or "val_loss" not in epochs or "train_loss" not in epochs:
        return []
    scored = epochs.dropna(subset=["val_loss", "train_loss"])
    if len(scored) < 3:
        return []
    best_at = int(scored["val_loss"].to_numpy().argmin())
    best = float(scored["val_loss"].iloc[best_at])
    val_now, train_now = float(scored["val_loss"].iloc[-1]), float(scored["train_loss"].iloc[-1])
    train_at_best = float(scored["train_loss"].iloc[best_at])
    rising = val_now > best * (1 + OVERFIT_RISE) and val_now - best > OVERFIT_MIN_RISE
    gap = val_now > train_now * (1 + OVERFIT_RISE)
    if best_at < len(scored) - 1 and rising and gap and train_now < train_at_best:
        best_epoch = int(scored["epoch"].iloc[best_at])
        return [
            finding(
                "overfitting",
                "warning",
                f"The model is overfitting: the validation loss is {val_now / best - 1:.0%} above its best "
                f"(epoch {best_epoch}) while the training loss keeps falling ({train_now:.3g} vs "
                f"{val_now:.3g} on "
                "validation). It is memorising the training examples instead of learning what generalises.",
                "Stop earlier (early stopping), add Dropout or weight decay, use more training data, or a "
                "smaller model.",
            )
        ]
    return []
