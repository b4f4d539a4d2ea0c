"""The training-health monitor: what looks wrong with a run, why it probably happens and what to try.

`diagnose` reads what a job has logged (step losses, epoch scores, per-layer gradient norms, dead-ReLU
shares) and returns findings in plain language, most serious first:
    {"kind": "vanishing_gradients", "severity": "warning", "message": "...", "fix": "..."}
Kinds: diverged, exploding_gradients, vanishing_gradients, dead_relus, plateau, overfitting.
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
) -> list[dict]:
    """Findings about a run, most serious first (an empty list: nothing looks wrong)."""
    found = []
    if error:
        found.append(finding("diverged", "error", error, _divergence_fix(config)))
    found += gradient_findings(grads, config)
    found += dead_relu_findings(dead_relus, steps)
    found += plateau_findings(steps, config)
    found += overfitting_findings(epochs)
    return sorted(found, key=lambda f: SEVERITY_ORDER[f["severity"]])


def _divergence_fix(config) -> str:
    if config is None:
        return "Lower the learning rate 10×."
    return f"Lower the learning rate 10× (to {config.lr / 10:g}), or switch to adam with lr=0.001."


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
                "Lower the learning rate 10×, add BatchNorm/LayerNorm between layers, or clip gradients.",
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
