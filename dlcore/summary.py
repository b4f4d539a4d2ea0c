"""The summary table: one row per layer (nested ones too) with shapes, parameters and MACs."""

from __future__ import annotations

import pandas as pd

from dlcore.codegen import layer_code
from dlcore.plan import as_spec, resolve
from dlcore.spec import ModelSpec

COLUMNS = (
    "name",
    "type",
    "depth",
    "input_shape",
    "output_shape",
    "params",
    "trainable",
    "macs",
    "note",
    "pytorch",
)


def summarize(spec: ModelSpec | dict) -> pd.DataFrame:
    """One row per layer, depth-first, without running a batch.

    Columns: name (dotted module path: `model.get_submodule(name)`), type, depth (0 = top level),
    input_shape and output_shape (tuples without the batch), params (learnable values, a block's row
    includes its contents), trainable (False for a frozen layer: training leaves its weights), macs
    (multiply-accumulates per example; pooling, activations and reshapes count 0), note (e.g. a
    Residual's learned projection) and pytorch (the layer as PyTorch code, e.g.
    "nn.Conv2d(1, 8, kernel_size=3)"). Totals are the sums over depth-0 rows, also in `table.attrs`
    ("total_params", "frozen_params", "trainable_params", "total_macs", "input_shape", "output_shape").
    Raises SpecError for an invalid spec.
    """
    plan = resolve(as_spec(spec))
    rows = [
        {
            "name": node.name,
            "type": node.type.name,
            "depth": node.depth,
            "input_shape": node.in_shape,
            "output_shape": node.out_shape,
            "params": node.params,
            "trainable": node.trainable,
            "macs": node.macs,
            "note": node.note,
            "pytorch": layer_code(node),
        }
        for node in plan.walk()
    ]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    total = sum(node.params for node in plan.nodes)
    table.attrs.update(
        total_params=total,
        frozen_params=plan.frozen_params,
        trainable_params=total - plan.frozen_params,
        total_macs=sum(node.macs for node in plan.nodes),
        input_shape=plan.spec.input_shape,
        output_shape=plan.output_shape,
    )
    return table
