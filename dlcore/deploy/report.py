"""Size, CPU latency and test accuracy of a model's deployable variants, and accuracy against sparsity."""

from __future__ import annotations

import copy
import statistics
import time
from collections.abc import Callable

import pandas as pd
import torch
from torch import nn

from dlcore.deploy.export import first_output, quiet
from dlcore.deploy.prune import compressed_bytes, fine_tune, make_permanent, masked_copy
from dlcore.deploy.quantize import QUANTIZATIONS, quantize
from dlcore.errors import DeployError
from dlcore.inspect import accuracy

Progress = Callable[[float, str], None]
LATENCY_RUNS = 200  # single-input forward passes per latency figure (the median is reported) ...
LATENCY_BUDGET_S = 0.4  # ... or as many as fit in this time, at least MIN_LATENCY_RUNS
MIN_LATENCY_RUNS = 10
CALIBRATION_INPUTS = 256  # training inputs that calibrate static int8
NOTES = {
    "dynamic_int8": "Linear/LSTM/GRU weights in int8 (not inside transformer layers)",
    "static_int8": f"int8 throughout, scales calibrated on {CALIBRATION_INPUTS} training inputs",
    "float16": "every number in float16",
}
REPORT_COLUMNS = [
    "variant",
    "size_bytes",
    "latency_ms_1_thread",
    "latency_ms_all_threads",
    "test_accuracy",
    "note",
]


def stored_bytes(model: nn.Module) -> int:
    """Bytes of the numbers the model stores, at their stored precision (int8 weights: one byte each).

    A saved file adds a fixed header of a few kilobytes; leaving it out keeps small models comparable."""

    def size(value) -> int:
        if isinstance(value, torch.Tensor):
            return value.numel() * value.element_size()
        if isinstance(value, (tuple, list)):  # int8 layers keep (weight, bias) packed together
            return sum(size(v) for v in value)
        if isinstance(value, torch.ScriptObject):  # an int8 LSTM/GRU's packed weights: their saved state
            return size(value.__getstate__())
        return 0

    return sum(size(value) for value in model.state_dict().values())


def _median_ms(model: nn.Module, one: torch.Tensor) -> float:
    times = []
    deadline = time.perf_counter() + LATENCY_BUDGET_S
    with torch.no_grad():
        model(one)  # warm-up: the first call allocates and picks kernels
        while len(times) < LATENCY_RUNS and (len(times) < MIN_LATENCY_RUNS or time.perf_counter() < deadline):
            start = time.perf_counter()
            model(one)
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def latency_ms(model: nn.Module, one: torch.Tensor) -> tuple[float, float]:
    """Median milliseconds of one input's forward pass on one CPU thread and on all of them."""
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        single = _median_ms(model, one)
    finally:
        torch.set_num_threads(threads)
    return single, _median_ms(model, one)


def _is_classification(dataset) -> bool:
    return dataset.num_classes is not None and dataset.test[1].dim() == 1


def accuracy_on_test(model: nn.Module, dataset, dtype: torch.dtype = torch.float32) -> float:
    """Accuracy on the test split (NaN when the dataset has no classes to count)."""
    if not _is_classification(dataset):
        return float("nan")
    x, y = dataset.test
    with torch.no_grad():
        return accuracy(model, x.to(dtype) if x.is_floating_point() else x, y)


def _float16_row(model: nn.Module, dataset, one: torch.Tensor) -> dict:
    half = quantize(model, "float16")
    one_half = one.half() if one.is_floating_point() else one
    try:
        with quiet(), torch.no_grad():
            first_output(half(one_half))
    except RuntimeError:  # some CPU kernels have no float16 version: measure its rounded weights in float32
        rounded = half.float()
        return _row("float16", half, rounded, dataset, one, "stored in float16, run in float32 on this CPU")
    return _row("float16", half, half, dataset, one_half, NOTES["float16"], dtype=torch.float16)


def _row(variant, stored, runs, dataset, one, note, dtype=torch.float32) -> dict:
    single, threads = latency_ms(runs, one)
    return dict(
        variant=variant,
        size_bytes=stored_bytes(stored),
        latency_ms_1_thread=single,
        latency_ms_all_threads=threads,
        test_accuracy=accuracy_on_test(runs, dataset, dtype),
        note=note,
    )


def deploy_report(model: nn.Module, dataset, *, progress: Progress | None = None) -> pd.DataFrame:
    """One row per variant: float32, then each quantisation that fits the model (see QUANTIZATIONS), with
    size_bytes, latency_ms_1_thread, latency_ms_all_threads (median, one input), test_accuracy and note."""
    progress = progress or (lambda fraction, text: None)
    model = copy.deepcopy(model).cpu().eval()  # the caller's model stays where and as it was
    one = dataset.test[0][:1]
    calibration = dataset.train[0][:CALIBRATION_INPUTS]
    steps = 1 + len(QUANTIZATIONS)
    progress(0.0, "float32: measuring")
    rows = [_row("float32", model, model, dataset, one, "the trained model")]
    for done, method in enumerate(QUANTIZATIONS, start=1):
        progress(done / steps, f"{method}: quantising and measuring")
        if method == "float16":
            rows.append(_float16_row(model, dataset, one))
            continue
        try:
            quantised = quantize(model, method, calibration if calibration.is_floating_point() else None)
        except DeployError:  # a method that does not fit this model has no row
            continue
        rows.append(_row(method, quantised, quantised, dataset, one, NOTES[method]))
    progress(1.0, "done")
    return pd.DataFrame(rows, columns=REPORT_COLUMNS)


def pruning_curve(
    model: nn.Module,
    dataset,
    sparsities,
    *,
    fine_tune_steps: int = 0,
    scope: str = "global",
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Test accuracy and compressed size after magnitude pruning to each sparsity; with fine_tune_steps > 0
    each sparsity is also measured after that many Adam steps on the training split (pruned weights stay 0).
    Columns: sparsity, test_accuracy, fine_tuned (bool), compressed_bytes."""
    progress = progress or (lambda fraction, text: None)
    if fine_tune_steps and not _is_classification(dataset):
        raise DeployError("fine-tuning after pruning needs a dataset with classes", field="fine_tune_steps")
    model = copy.deepcopy(model).cpu().eval()
    rows = []
    sparsities = list(sparsities)
    for done, sparsity in enumerate(sparsities):
        progress(done / len(sparsities), f"pruning to {sparsity:.0%}")
        variants = [(False, 0)] + ([(True, fine_tune_steps)] if fine_tune_steps else [])
        for tuned, steps in variants:
            masked = masked_copy(model, sparsity, scope)
            fine_tune(masked, dataset.train, steps)
            pruned = make_permanent(masked)
            rows.append(
                dict(
                    sparsity=float(sparsity),
                    test_accuracy=accuracy_on_test(pruned, dataset),
                    fine_tuned=tuned,
                    compressed_bytes=compressed_bytes(pruned),
                )
            )
    progress(1.0, "done")
    return pd.DataFrame(rows, columns=["sparsity", "test_accuracy", "fine_tuned", "compressed_bytes"])
