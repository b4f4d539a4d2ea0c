"""Look inside a model: what each layer outputs for one input, its filters, and how weights and gradients
are distributed — sampled over training time so dead ReLUs and vanishing or exploding gradients show.

Everything here reads a model (a job's snapshot: a CPU copy in eval mode; or, for the history, the live
model between two training steps) and never changes its weights.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn import functional as F

from dlcore.errors import DataError
from dlcore.training.config import Callback

# The percentiles TensorBoard's distribution charts draw as bands (plus the median).
PERCENTILES = (0, 7, 16, 31, 50, 69, 84, 93, 100)
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.ReLU6, nn.Softplus)


def leaf_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of every layer without sub-layers, input to output (blocks are looked inside).

    A model that is a single layer is listed under its type's name (e.g. "linear").
    """
    if not list(model.children()):
        return [(type(model).__name__.lower(), model)]
    return [(name, m) for name, m in model.named_modules() if name and not list(m.children())]


@torch.no_grad()
def layer_outputs(
    model: nn.Module, x: torch.Tensor, types: tuple[type, ...] | None = None
) -> dict[str, torch.Tensor]:
    """Output of every leaf layer (or only those of `types`) for the batch `x`, in the order they ran.

    Returns {layer name: detached CPU tensor (B, ...)}. Layers that return tuples (LSTM) keep their first
    element, the sequence output.
    """
    outputs: dict[str, torch.Tensor] = {}
    handles = []
    for name, module in leaf_layers(model):
        if types is not None and not isinstance(module, types):
            continue

        def hook(mod, inputs, output, name=name):
            out = output[0] if isinstance(output, (tuple, list)) else output
            if isinstance(out, torch.Tensor):
                outputs[name] = out.detach().cpu()

        handles.append(module.register_forward_hook(hook))
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return outputs


def feature_maps(model: nn.Module, x: torch.Tensor, after_activation: bool = True) -> dict[str, torch.Tensor]:
    """What every convolution layer sees in ONE input `x`: {layer name: (channels, H, W)} for Conv2d,
    (channels, length) for Conv1d.

    With `after_activation` each map is shown as the following activation layer outputs it (what the next
    layer actually receives), still under the convolution's name; otherwise the raw convolution output.
    """
    layers = leaf_layers(model)
    outputs = layer_outputs(model, x)
    maps: dict[str, torch.Tensor] = {}
    for i, (name, module) in enumerate(layers):
        if not isinstance(module, (nn.Conv1d, nn.Conv2d)) or name not in outputs:
            continue
        out = outputs[name]
        if after_activation:
            following = _next_activation(layers, i)
            if following is not None and following in outputs and outputs[following].shape == out.shape:
                out = outputs[following]
        maps[name] = out[0]
    return maps


def _next_activation(layers: list[tuple[str, nn.Module]], i: int) -> str | None:
    """The activation that directly follows layer i (past a BatchNorm), if any."""
    for name, module in layers[i + 1 : i + 3]:
        if isinstance(module, ACTIVATIONS):
            return name
        if not isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)):
            return None
    return None


def dense_activations(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Output of every Linear layer for ONE input `x` (1, ...): {layer name: (units,)}.

    For layers applied at every step of a sequence, the last step's units.
    """
    outputs = layer_outputs(model, x, types=(nn.Linear,))
    return {name: out[0].reshape(-1, out.shape[-1])[-1] for name, out in outputs.items()}


def attention_maps(model: nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Where each attention layer looked for ONE input `x` (1, ...): {layer name: (heads, L, L)}.

    Row i of a map is how much position i drew from every position. Read from the `last_attention` the
    engine's attention layers keep after a forward pass in eval mode.
    """
    _, weights = attention_weights(model, x)
    return {name: w[0] for name, w in weights.items()}


@torch.no_grad()
def attention_weights(model: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The model's output for inputs `x` (N, ...) in eval mode, and each attention layer's weights then:
    {layer name: (N, heads, L, L)}, on the CPU."""
    was_training = model.training
    model.eval()
    try:
        out = model(x)
    finally:
        model.train(was_training)
    weights = {}
    for name, module in model.named_modules():
        kept = getattr(module, "last_attention", None)
        if isinstance(kept, torch.Tensor):
            weights[name] = kept.detach().cpu()
    return out, weights


def first_layer_filters(model: nn.Module) -> tuple[str, torch.Tensor] | None:
    """(name, weight) of the first convolution: (out, in, kh, kw) for Conv2d, (out, in, k) for Conv1d;
    None without one."""
    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            return name, module.weight.detach().cpu().clone()
    return None


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
    """Predicted class (N,) and class probabilities (N, K) for the inputs `x` (N, ...), in batches."""
    probs = []
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size])
        if logits.dim() == 1 or logits.shape[-1] == 1:  # one logit: binary with sigmoid
            p1 = torch.sigmoid(logits.reshape(-1, 1))
            probs.append(torch.cat([1 - p1, p1], dim=1))
        else:
            probs.append(F.softmax(logits, dim=-1))
    prob = torch.cat(probs).cpu()
    return prob.argmax(dim=1), prob


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of the inputs `x` (N, ...) whose predicted class is their label in `y` (N,)."""
    predicted, _ = predict(model, x)
    return float((predicted == y).float().mean())


def confusion(predicted: torch.Tensor, actual: torch.Tensor, num_classes: int) -> np.ndarray:
    """(K, K) counts: row = true class, column = predicted class."""
    flat = actual.long() * num_classes + predicted.long()
    return torch.bincount(flat, minlength=num_classes * num_classes).reshape(num_classes, num_classes).numpy()


def most_confused(matrix: np.ndarray) -> tuple[int, int]:
    """(true class, predicted class) of the commonest mistake in a confusion matrix; (0, 0) with none."""
    off_diagonal = np.asarray(matrix) * (1 - np.eye(len(matrix), dtype=int))
    if off_diagonal.max() <= 0:
        return 0, 0
    return divmod(int(off_diagonal.argmax()), len(matrix))


def cell_examples(
    predicted: torch.Tensor, actual: torch.Tensor, true_class: int, predicted_class: int
) -> list[int]:
    """Indices of the examples of class `true_class` that the model called `predicted_class`."""
    return torch.nonzero((actual == true_class) & (predicted == predicted_class)).flatten().tolist()


def misclassified(predicted: torch.Tensor, actual: torch.Tensor) -> list[int]:
    """Indices of the examples the model got wrong."""
    return torch.nonzero(predicted != actual).flatten().tolist()


# --- weights and gradients over training time -------------------------------------------------------


def live_gradients(model: nn.Module) -> dict[str, torch.Tensor]:
    """CPU copies of each weighted layer's weight gradient as training left it: {layer: grad}.

    Run it between training steps (`job.apply(live_gradients)`): the gradients are those of the last batch.
    """
    grads = {}
    for name, module in weighted_layers(model):
        grad = _main_weight(module).grad
        if grad is not None:
            grads[name] = grad.detach().to("cpu", copy=True)
    return grads


def weighted_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Leaf layers that have trainable weights, input to output."""
    return [
        (n, m) for n, m in leaf_layers(model) if any(p.requires_grad for p in m.parameters(recurse=False))
    ]


def _main_weight(module: nn.Module) -> torch.Tensor:
    """The layer's `weight` (its biggest parameter where it has no `weight`, e.g. an LSTM's weight_ih_l0)."""
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        return weight
    return max(module.parameters(recurse=False), key=lambda p: p.numel())


@torch.no_grad()
def dead_units(model: nn.Module, x: torch.Tensor) -> dict[str, float]:
    """Per ReLU-like layer, the share of its units that are zero for every input of the batch `x`."""
    outputs = layer_outputs(model, x, types=(nn.ReLU, nn.ReLU6))
    return {name: float((out.flatten(1) <= 0).all(dim=0).float().mean()) for name, out in outputs.items()}


class ParameterHistory:
    """Distributions of each layer's weights and gradients, one record per sampled moment of training.

    Each record holds percentiles (for the band charts), a histogram (for the ridge chart), the norm and
    dead-unit shares. When `max_records` is reached every second record is dropped (the first and the
    latest stay), so a long run keeps its whole story at a coarser grain; `thinned` counts how often.
    Thread-safe: the training thread records while pages read.
    """

    def __init__(self, max_records: int = 120, bins: int = 40):
        self.bins = bins
        self.max_records = max_records
        self.thinned = 0
        self._records: list[dict] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._records)

    def record(
        self,
        step: int,
        model: nn.Module,
        gradients: dict[str, torch.Tensor] | None = None,
        dead: dict[str, float] | None = None,
    ) -> None:
        """Add one moment: `step` (training step), the model's weights, optionally gradients per layer."""
        rows, hists = [], []
        for name, module in weighted_layers(model):
            values = {"weight": _main_weight(module).detach().cpu().flatten()}
            if gradients is not None and name in gradients:
                values["gradient"] = gradients[name].flatten()
            for kind, tensor in values.items():
                arr = tensor.float().numpy()
                arr = arr[np.isfinite(arr)]  # a diverging run's inf/NaN would break percentiles and bins
                if not arr.size:
                    continue
                row = {"step": step, "layer": name, "kind": kind, "norm": float(np.linalg.norm(arr))}
                row.update(
                    {f"p{q}": v for q, v in zip(PERCENTILES, np.percentile(arr, PERCENTILES), strict=True)}
                )
                rows.append(row)
                counts, edges = np.histogram(arr, bins=self.bins)
                hists.append({"step": step, "layer": name, "kind": kind, "counts": counts, "edges": edges})
        with self._lock:
            self._records.append({"step": step, "rows": rows, "hists": hists, "dead": dict(dead or {})})
            if len(self._records) >= self.max_records:
                self._records = self._records[:-1:2] + self._records[-1:]
                self.thinned += 1

    def percentiles(self) -> pd.DataFrame:
        """One row per (step, layer, kind): the percentile columns p0 … p100 and the norm."""
        with self._lock:
            rows = [row for record in self._records for row in record["rows"]]
        columns = ["step", "layer", "kind", "norm"] + [f"p{q}" for q in PERCENTILES]
        return pd.DataFrame(rows, columns=columns)

    def histograms(self, layer: str, kind: str) -> list[dict]:
        """The histograms of one layer's weights or gradients over time: dicts with step, counts, edges."""
        with self._lock:
            return [h for r in self._records for h in r["hists"] if h["layer"] == layer and h["kind"] == kind]

    def dead_units(self) -> pd.DataFrame:
        """One row per (step, layer): the share of that ReLU layer's units that were dead."""
        with self._lock:
            rows = [
                {"step": r["step"], "layer": k, "dead": v}
                for r in self._records
                for k, v in r["dead"].items()
            ]
        return pd.DataFrame(rows, columns=["step", "layer", "dead"])

    def layers(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(row["layer"] for r in self._records for row in r["rows"]))

    def steps(self) -> list[int]:
        with self._lock:
            return [r["step"] for r in self._records]


class HistoryRecorder(Callback):
    """A fit() callback that fills a ParameterHistory from the very start of a run, on the training thread.

    It records the untrained weights before the first step, the first step and the last; in between, steps
    2, 4, 8, ... (early training changes fast) and every `interval_s` (doubling each time the history thins
    itself out, so a long run is covered end to end in bounded memory), as long as recording takes at most
    `budget` of the training time: a big model or a busy server gets fewer of these. `clock` tells training
    time (a job's leaves out its pauses, so a resume does not make a record due at once). Dead units are
    counted on `probe_size` training inputs in eval mode (batch norm statistics and dropout are left as
    training had them).
    """

    def __init__(
        self,
        history: ParameterHistory,
        interval_s: float = 0.5,
        budget: float = 0.02,
        probe_size: int = 256,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.history = history
        self.clock = clock
        self.interval_s = interval_s
        self.budget = budget
        self.probe_size = probe_size

    def on_fit_start(self, logs):
        self.model = logs["model"]
        self.probe = logs["train_x"][: self.probe_size]
        self._first_step = logs["step"] + 1
        self._next_step = 2 * self._first_step
        self._last, self._cost = self.clock(), 0.0
        self._record(logs["step"])  # before any training: the weights as they start

    def on_step_end(self, step, logs):
        if step == self._first_step:
            self._record(step)  # the first gradients: always
            return
        since = self.clock() - self._last
        due = step >= self._next_step or since >= self.interval_s * 2**self.history.thinned
        if due and since >= self._cost / self.budget:
            self._record(step)
            self._next_step = 2 * step

    def on_fit_end(self, logs):
        steps = self.history.steps()
        if logs["status"] != "failed" and (not steps or steps[-1] < logs["step"]):
            self._record(logs["step"])  # the history ends where training ended

    def _record(self, step: int) -> None:
        started = time.perf_counter()
        was_training = self.model.training
        self.model.eval()
        try:
            dead = dead_units(self.model, self.probe)
        finally:
            self.model.train(was_training)
        self.history.record(step, self.model, live_gradients(self.model), dead)
        self._cost = time.perf_counter() - started
        self._last = self.clock()


# --- new inputs: an uploaded picture, made to look like the dataset's raw images (drawings: drawing.py)


MAX_IMAGE_PIXELS = 40_000_000  # a 40-megapixel photo decodes to ~120 MB; a 17 KB PNG can claim 144 MP
MAX_IMAGE_SIDE = 1024  # decoded pictures are shrunk to this first: every dataset's images are far smaller
IMAGE_FORMATS = ("PNG", "JPEG")


def decode_image(data: bytes) -> np.ndarray:
    """An uploaded PNG or JPEG as float pixels (H, W, 3) in [0, 1], at most MAX_IMAGE_SIDE pixels a side;
    transparency is laid over white paper.

    Only the pixels are read (Pillow decodes; nothing in the file is executed), and only after the size in
    the file's header is checked: a tiny file can describe a picture of billions of pixels.
    """
    import warnings

    from PIL import Image, UnidentifiedImageError

    not_an_image = DataError(
        "this file is not an image we can read: upload a PNG or JPEG picture", field="image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit follows
            img = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except Image.DecompressionBombError:  # beyond twice Pillow's limit it will not even give the size
        raise _too_many_pixels(
            f"has more than {2 * Image.MAX_IMAGE_PIXELS // 1_000_000} megapixels"
        ) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise not_an_image from err
    with img:
        if img.width * img.height > MAX_IMAGE_PIXELS:
            width, height = img.size
            raise _too_many_pixels(
                f"is {width:,} × {height:,} pixels ({width * height / 1e6:,.0f} megapixels)"
            )
        try:
            img.draft("RGB", (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))  # JPEG: decode at a reduced scale
            img.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
            if img.mode in ("RGBA", "LA", "P", "PA"):
                img = img.convert("RGBA")
                paper = Image.new("RGBA", img.size, (255, 255, 255, 255))
                img = Image.alpha_composite(paper, img)
            return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0
        except (OSError, ValueError, SyntaxError) as err:
            raise not_an_image from err


def _too_many_pixels(what: str) -> DataError:
    return DataError(
        f"this picture {what}, more than the {MAX_IMAGE_PIXELS // 1_000_000} megapixels read here: save a "
        "smaller copy of it (a few hundred pixels a side is plenty) and upload that",
        field="image",
    )


def is_dark_on_light(pixels: np.ndarray) -> bool:
    """True when a picture (H, W) or (H, W, C) in [0, 1] has a mostly light border: ink on paper."""
    img = np.asarray(pixels, dtype=np.float32)
    img = img.mean(axis=-1) if img.ndim == 3 else img
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    return bool(np.median(border) > 0.5)


def to_input_image(
    pixels: np.ndarray, image_shape: tuple[int, int, int], invert: bool | str = "auto"
) -> torch.Tensor:
    """Pixels (H, W) or (H, W, C) in [0, 1] -> a raw image (C, H, W) the size and colour of the dataset's.

    invert: True flips dark ink on light paper to the datasets' bright-on-dark; "auto" does so when the
    picture's border is mostly light. The result still needs `dataset.normalize`.
    """
    img = torch.as_tensor(np.asarray(pixels, dtype=np.float32))
    if img.dim() == 2:
        img = img[..., None]
    img = img[..., :3].permute(2, 0, 1)  # (C, H, W)
    channels, height, width = image_shape
    if channels == 1 and img.shape[0] == 3:
        img = (0.299 * img[0] + 0.587 * img[1] + 0.114 * img[2])[None]
    elif channels == 3 and img.shape[0] == 1:
        img = img.expand(3, -1, -1)
    if invert == "auto":
        invert = is_dark_on_light(img.permute(1, 2, 0).numpy())
    if invert:
        img = 1 - img
    img = F.interpolate(
        img[None], size=(height, width), mode="bilinear", antialias=True, align_corners=False
    )[0]
    return img.clamp(0, 1)
