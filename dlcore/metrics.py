"""What a training job has measured: bounded, thread-safe logs and the recorder that fills them.

`SeriesLog` keeps rows of numbers keyed by a growing step and never holds more than `capacity` rows:
when full, neighbouring rows are merged in pairs (averaged, weighted by how many steps each stands
for), so a run of a million steps still shows its whole curve at an even resolution. Readers poll with
`since(cursor)` and get only what is new.

`Recorder` is the fit() callback that reads the device a few times a second (one host sync per read),
logs per-step loss (and every other value the recipe logs, as train_<name>), learning rate and speed,
samples per-layer gradient and weight norms, checks for NaN/Inf, and keeps the epoch scores (a column
for each score the recipe reports). Final scores on the test split come from `classification_report`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from dlcore.training.config import Callback, StopTraining

STEP_COLUMNS = ("step", "epoch", "train_loss", "lr", "samples_per_s", "elapsed_s")
EPOCH_COLUMNS = (
    "step",
    "epoch",
    "train_loss",
    "val_loss",
    "train_accuracy",
    "val_accuracy",
    "train_r2",
    "val_r2",
    "train_robust_accuracy",  # adversarial training: accuracy under the attack it trains against
    "val_robust_accuracy",
    "lr",
    "elapsed_s",
)
# Columns that say *where* a row is (kept from the latest row when rows merge), not what was measured.
POSITION_COLUMNS = ("step", "epoch", "elapsed_s")


class SeriesLog:
    """Rows of floats with a `count` (steps each row stands for); at most `capacity` rows, thread-safe.

    Invariants: steps increase; the count-weighted mean of every column is that of all rows ever added
    (NaN cells carry no weight); every row added is visible or waiting in a partial bin of fewer than
    `stride` rows.
    """

    def __init__(self, columns: Sequence[str], capacity: int = 4000):
        if capacity < 2:
            raise ValueError("capacity must be at least 2")
        self.columns = tuple(columns)
        self.capacity = capacity
        self._keep_last = np.array([c in POSITION_COLUMNS for c in self.columns])
        self._lock = threading.Lock()
        self._rows = np.empty((0, len(self.columns)))
        self._counts = np.empty(0)
        self._seq = np.empty(0, dtype=np.int64)  # cursor value of each row (its last source row)
        self._pending = np.empty((0, len(self.columns)))
        self._added = 0
        self.stride = 1  # source rows merged into each new row

    def append(self, rows: np.ndarray | Sequence[Sequence[float]]) -> None:
        """Add rows (one value per column each), oldest first."""
        rows = np.asarray(rows, dtype=float).reshape(-1, len(self.columns))
        with self._lock:
            self._pending = np.concatenate([self._pending, rows])
            self._flush_pending()

    def _flush_pending(self) -> None:
        whole = len(self._pending) // self.stride * self.stride
        if whole:
            bins = self._pending[:whole].reshape(-1, self.stride, len(self.columns))
            merged, counts = _merge(bins, np.ones(bins.shape[:2]), self._keep_last)
            self._added += whole
            seq = self._added - whole + self.stride * np.arange(1, len(merged) + 1)
            self._pending = self._pending[whole:]
            self._rows = np.concatenate([self._rows, merged])
            self._counts = np.concatenate([self._counts, counts])
            self._seq = np.concatenate([self._seq, seq])
        while len(self._rows) > self.capacity:
            self._halve()

    def _halve(self) -> None:
        # Merge neighbouring pairs; an odd last row stays as it is (its count keeps the means exact).
        paired = len(self._rows) // 2 * 2
        rows, counts = self._rows[:paired], self._counts[:paired]
        merged, new_counts = _merge(
            rows.reshape(-1, 2, rows.shape[1]), counts.reshape(-1, 2), self._keep_last
        )
        self._rows = np.concatenate([merged, self._rows[paired:]])
        self._counts = np.concatenate([new_counts, self._counts[paired:]])
        self._seq = np.concatenate([self._seq[1:paired:2], self._seq[paired:]])
        self.stride *= 2

    def widen(self, columns: Sequence[str]) -> None:
        """Add `columns` that are not there yet, empty (NaN) in the rows so far."""
        with self._lock:
            new = [c for c in columns if c not in self.columns]
            if not new:
                return
            self.columns += tuple(new)
            self._keep_last = np.array([c in POSITION_COLUMNS for c in self.columns])
            pad = np.full((len(self._rows), len(new)), np.nan)
            self._rows = np.concatenate([self._rows, pad], axis=1)
            self._pending = np.concatenate(
                [self._pending, np.full((len(self._pending), len(new)), np.nan)], axis=1
            )

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)

    @property
    def cursor(self) -> int:
        """Pass to `since` to get only rows added after this moment."""
        with self._lock:
            return int(self._seq[-1]) if len(self._seq) else 0

    def since(self, cursor: int | None = None) -> tuple[pd.DataFrame, int]:
        """Rows added after `cursor` (all rows if None) as a DataFrame, and the cursor for the next call."""
        with self._lock:
            start = 0 if cursor is None else int(np.searchsorted(self._seq, cursor, side="right"))
            frame = pd.DataFrame(self._rows[start:], columns=list(self.columns))
            frame["count"] = self._counts[start:].astype(int)
            new_cursor = int(self._seq[-1]) if len(self._seq) else 0
        for name in ("step", "epoch"):
            if name in frame:
                frame[name] = frame[name].astype(int)
        return frame, new_cursor

    def last(self) -> dict[str, float] | None:
        with self._lock:
            if not len(self._rows):
                return None
            return dict(zip(self.columns, self._rows[-1].tolist(), strict=True))

    def clear(self) -> None:
        with self._lock:
            self.__init__(self.columns, self.capacity)


def _merge(values: np.ndarray, counts: np.ndarray, keep_last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(G, k, C) rows, (G, k) counts -> (G, C) rows: count-weighted means ignoring NaN, or the last value."""
    weights = np.where(np.isnan(values), 0.0, counts[:, :, None])
    total = weights.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.nansum(values * weights, axis=1) / total
    means[total == 0] = np.nan
    out = np.where(keep_last, values[:, -1, :], means)
    return out, counts.sum(axis=1)


# --- per-layer statistics -------------------------------------------------------------------------------


def parameter_layers(model: nn.Module) -> list[tuple[str, list[nn.Parameter]]]:
    """(module name, its own trainable parameters) for each module that has some, in model order."""
    layers = []
    for name, module in model.named_modules():
        params = [p for p in module.parameters(recurse=False) if p.requires_grad]
        if params:
            layers.append((name or "model", params))
    return layers


class LayerNorms:
    """Per-layer L2 norms of gradients and weights, computed with a few vectorised ops."""

    def __init__(self, model: nn.Module):
        self.layers = parameter_layers(model)
        self.names = [name for name, _ in self.layers]
        self.params = [p for _, params in self.layers for p in params]
        owner = [i for i, (_, params) in enumerate(self.layers) for _ in params]
        device = self.params[0].device if self.params else torch.device("cpu")
        self.owner = torch.tensor(owner, dtype=torch.long, device=device)

    def _per_layer(self, tensors: list[torch.Tensor]) -> torch.Tensor:
        squares = torch.stack(torch._foreach_norm(tensors)) ** 2
        sums = torch.zeros(len(self.layers), device=squares.device).index_add_(0, self.owner, squares)
        return sums.sqrt()

    @torch.no_grad()
    def measure(self) -> tuple[list[float], list[float]] | None:
        """(grad norms, weight norms) per layer; None before the first backward pass."""
        if not self.params:
            return None
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in self.params]
        both = torch.stack([self._per_layer(grads), self._per_layer(list(self.params))])
        grad, weight = both.tolist()  # one host sync
        return grad, weight


class ReluProbe:
    """Share of units in each ReLU layer that are off (≤ 0) for every example of a probe batch."""

    def __init__(self, model: nn.Module):
        self.model = model
        self.layers = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.ReLU)]

    @torch.no_grad()
    def measure(self, x: torch.Tensor) -> dict[str, float]:
        if not self.layers or len(x) == 0:
            return {}
        shares = {}

        def hook(name):
            def record(_module, _inputs, out):
                # Units are channels for feature maps (B, C, H, W), otherwise the last dimension.
                unit_dim = 1 if out.dim() == 4 else out.dim() - 1
                active = (out > 0).transpose(0, unit_dim).reshape(out.shape[unit_dim], -1).any(dim=1)
                shares[name] = 1.0 - active.float().mean()

            return record

        handles = [m.register_forward_hook(hook(name)) for name, m in self.layers]
        was_training = self.model.training
        self.model.eval()
        try:
            self.model(x)
        finally:
            self.model.train(was_training)
            for h in handles:
                h.remove()
        values = torch.stack(list(shares.values())).tolist() if shares else []
        return dict(zip(shares, values, strict=True))


# --- the recorder callback ------------------------------------------------------------------------------


class Recorder(Callback):
    """Fills the logs from fit()'s events. Reads the device at most every `interval_s` (plus at epoch ends
    and when asked), samples layer norms at the same moments and dead ReLUs about once a second."""

    RATE_WINDOW_S = 5.0  # samples/s over the last ~5 s: runs taking turns on a busy server compute in bursts
    RELU_BUDGET = 0.01  # the dead-ReLU probe may take at most 1% of training time
    NORMS_BUDGET = 0.02  # layer norms at every read, unless a huge model makes them cost more than 2%

    def __init__(self, interval_s: float = 0.1, capacity: int = 4000, relu_every_s: float = 1.0):
        self.interval_s = interval_s
        self.relu_every_s = relu_every_s
        self.steps = SeriesLog(STEP_COLUMNS, capacity)
        self.epochs = SeriesLog(EPOCH_COLUMNS, capacity)
        self.log_names: tuple[str, ...] = ("loss",)  # the recipe's, "loss" first (set at the start of fit)
        self.layer_names: list[str] = []
        self.norms: SeriesLog | None = None
        self.dead_relus: dict[str, float] = {}
        self.step = 0
        self.epoch = 0
        self.steps_per_epoch: int | None = None
        self.samples_per_s = math.nan
        self._reset_window()
        self._started = None
        self._paused_since: float | None = None
        self._paused_total = 0.0

    def _reset_window(self):
        self._values: list[list[torch.Tensor]] = [[] for _ in self.log_names]  # per log name, per step
        self._sizes: list[int] = []
        self._lrs: list[float] = []
        self._epochs: list[int] = []

    # fit() events

    def on_fit_start(self, logs):
        self.log_names = tuple(logs["recipe"].log_names)
        self.steps.widen([_column(name) for name in self.log_names])
        self.model = logs["model"]
        self.optimizer = logs["optimizer"]
        self.probe_x = logs["train_x"][:256]
        self.step, self.epoch = logs["step"], logs["epoch"]
        self.steps_per_epoch = logs["steps_per_epoch"]
        self._layer_norms = LayerNorms(self.model)
        if self.norms is None or self.layer_names != self._layer_norms.names:
            self.layer_names = self._layer_norms.names
            columns = (
                ["step"] + [f"grad:{n}" for n in self.layer_names] + [f"weight:{n}" for n in self.layer_names]
            )
            self.norms = SeriesLog(columns, self.steps.capacity)
        self._relus = ReluProbe(self.model)
        # A CUDA-graph run with a schedule keeps lr in a device tensor: read it once per flush, not per step.
        self._lr_on_device = isinstance(self.optimizer.param_groups[0]["lr"], torch.Tensor)
        self._started = time.perf_counter()
        self._last_flush = self._started
        self._rate_marks = deque([(self._started, 0)])  # (time, samples so far), oldest first
        self._samples = 0
        self._last_relu, self._relu_cost = -math.inf, 0.0
        self._last_norms, self._norms_cost = -math.inf, 0.0
        # epoch -> (sum of each logged value × batch, examples)
        self._epoch_sums: dict[int, tuple[np.ndarray, int]] = {}
        self._reset_window()

    def on_step_end(self, step, logs):
        for values, name in zip(self._values, self.log_names, strict=True):
            values.append(logs[name])
        if not self._lr_on_device:
            self._lrs.append(self.optimizer.param_groups[0]["lr"])
        self._epochs.append(logs["epoch"])
        self._sizes.append(logs["batch_size"])
        self.step = step
        # The first step is shown at once (the first point within a second of pressing Train).
        if step == 1 or time.perf_counter() - self._last_flush >= self.interval_s:
            self.flush()

    def on_epoch_end(self, epoch, logs):
        self.epoch = epoch
        if len(logs) == 1:  # not scored (fit scores at most a few epochs a second): nothing to log
            return
        self.flush()
        # The epoch's own batch-weighted means, however many epochs went unscored before it.
        totals, samples = self._epoch_sums.pop(epoch, (np.zeros(len(self.log_names)), 0))
        self._epoch_sums = {e: v for e, v in self._epoch_sums.items() if e > epoch}
        means = totals / samples if samples else np.full(len(self.log_names), math.nan)
        row = {
            **logs,
            **{_column(name): float(mean) for name, mean in zip(self.log_names, means, strict=True)},
            "epoch": epoch,
            "lr": float(self.optimizer.param_groups[0]["lr"]),
            "elapsed_s": self.elapsed_s(),
        }
        self.epochs.widen(list(row))  # the recipe's scores (val_<name>, ...) get a column when first seen
        self.epochs.append([row.get(c, math.nan) for c in self.epochs.columns])

    def on_fit_end(self, logs):
        if logs.get("status") != "failed":
            self.flush()
            last = self.norms.last()
            if last is None or last["step"] < self.step:  # the gradient chart ends where training ended
                self._record_norms(time.perf_counter())

    # reading the device

    def flush(self) -> None:
        """Log the steps since the last read (one host sync); raise StopTraining on a NaN/Inf value."""
        now = time.perf_counter()
        self._last_flush = now
        if not self._values[0]:
            return
        values = np.asarray(
            torch.stack([torch.stack(v) for v in self._values]).float().tolist()
        )  # (names, steps)
        losses = values[0]
        count = len(losses)
        first = self.step - count + 1
        self._update_rate(now, sum(self._sizes))
        # Per-epoch sums (epoch rows show each epoch's own mean); only the newest epochs are kept.
        sizes, epochs = np.asarray(self._sizes, dtype=float), np.asarray(self._epochs)
        for epoch in np.unique(epochs):
            mine = epochs == epoch
            totals, seen = self._epoch_sums.get(int(epoch), (np.zeros(len(values)), 0))
            self._epoch_sums[int(epoch)] = (
                totals + values[:, mine] @ sizes[mine],
                seen + int(sizes[mine].sum()),
            )
        if len(self._epoch_sums) > 4:
            newest = max(self._epoch_sums)
            self._epoch_sums = {e: v for e, v in self._epoch_sums.items() if e > newest - 4}
        elapsed = self.elapsed_s()
        rows = np.column_stack(
            [
                np.arange(first, self.step + 1),
                self._epochs,
                losses,
                np.full(count, float(self.optimizer.param_groups[0]["lr"]))
                if self._lr_on_device
                else self._lrs,
                np.full(count, self.samples_per_s),
                np.full(count, elapsed),
                *values[1:],
            ]
        )
        self._reset_window()
        finite = np.isfinite(values)  # (names, steps)
        if not finite.all():
            at = int(np.argmin(finite.all(axis=0)))  # the first step with a value not finite
            # The headline loss sums the roles' own: name the role's value when it has one.
            which = max(np.flatnonzero(~finite[:, at]))
            rows = rows[:at]
            self.steps.append(rows)
            self.diverged_at, self.diverged_name = first + int(at), self.log_names[which]
            what = self.diverged_name.replace("_", " ")
            raise StopTraining(
                f"the {what} became {values[which, at]} at step {self.diverged_at}", status="failed"
            )
        self.steps.append(rows)
        if now - self._last_norms >= self._norms_cost / self.NORMS_BUDGET:
            self._record_norms(now)
        if now - self._last_relu >= max(self.relu_every_s, self._relu_cost / self.RELU_BUDGET):
            self.dead_relus = self._relus.measure(self.probe_x)
            self._last_relu = time.perf_counter()
            self._relu_cost = self._last_relu - now

    def _record_norms(self, now: float) -> None:
        norms = self._layer_norms.measure()
        if norms is not None:
            self.norms.append([[self.step, *norms[0], *norms[1]]])
        self._last_norms = time.perf_counter()
        self._norms_cost = self._last_norms - now

    def _update_rate(self, now: float, samples: int) -> None:
        self._samples += samples
        marks = self._rate_marks
        while len(marks) > 1 and now - marks[1][0] >= self.RATE_WINDOW_S:
            marks.popleft()  # keep the newest mark at least RATE_WINDOW_S old
        since, samples_then = marks[0]
        if now > since:
            self.samples_per_s = (self._samples - samples_then) / (now - since)
        marks.append((now, self._samples))

    # time

    def pause_clock(self, paused: bool) -> None:
        now = time.perf_counter()
        if paused and self._paused_since is None:
            self._paused_since = now
        elif not paused and self._paused_since is not None:
            paused_for = now - self._paused_since
            self._paused_total += paused_for
            if self._started is not None:  # speed counts training time only
                self._rate_marks = deque((t + paused_for, n) for t, n in self._rate_marks)
            self._paused_since = None

    def elapsed_s(self) -> float:
        """Training time so far, pauses not counted."""
        if self._started is None:
            return 0.0
        now = self._paused_since or time.perf_counter()
        return now - self._started - self._paused_total

    # reading the logs (any thread)

    def grad_norms(self) -> pd.DataFrame:
        """Long format: step, layer, grad_norm, weight_norm."""
        if self.norms is None or not self.layer_names:
            return pd.DataFrame(columns=["step", "layer", "grad_norm", "weight_norm"])
        wide, _ = self.norms.since(None)
        parts = [
            pd.DataFrame(
                {
                    "step": wide["step"],
                    "layer": name,
                    "grad_norm": wide[f"grad:{name}"],
                    "weight_norm": wide[f"weight:{name}"],
                }
            )
            for name in self.layer_names
        ]
        return pd.concat(parts, ignore_index=True)


def _column(log_name: str) -> str:
    """The metrics column of a value a recipe logs each step: "loss" -> train_loss, "kl" -> train_kl."""
    return f"train_{log_name}"


# --- final scores ---------------------------------------------------------------------------------------


def classification_report(pred: torch.Tensor, target: torch.Tensor, class_names: Sequence[str]) -> dict:
    """Accuracy, per-class precision/recall/F1/support and the confusion matrix (rows: true class)."""
    k = len(class_names)
    pred, target = pred.reshape(-1).long().cpu(), target.reshape(-1).long().cpu()
    matrix = torch.bincount(target * k + pred, minlength=k * k).reshape(k, k)
    tp = matrix.diag().double()
    predicted, actual = matrix.sum(0).double(), matrix.sum(1).double()
    precision = torch.where(predicted > 0, tp / predicted.clamp(min=1), torch.zeros_like(tp))
    recall = torch.where(actual > 0, tp / actual.clamp(min=1), torch.zeros_like(tp))
    f1 = torch.where(
        precision + recall > 0, 2 * precision * recall / (precision + recall), torch.zeros_like(tp)
    )
    per_class = pd.DataFrame(
        {
            "class": list(class_names),
            "precision": precision.tolist(),
            "recall": recall.tolist(),
            "f1": f1.tolist(),
            "support": actual.long().tolist(),
        }
    )
    accuracy = float(tp.sum() / max(1, len(target)))
    return {
        "test_accuracy": accuracy,
        "per_class": per_class,
        "confusion_matrix": matrix.tolist(),
        "class_names": list(class_names),
    }
