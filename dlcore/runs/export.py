"""A kept run, exported: a TensorBoard log of its metrics and a Jupyter notebook that trains it again.

    write_tensorboard_log(metrics, folder, text={"spec": json_text})   # then: tensorboard --logdir folder
    tensorboard_zip(metrics, "run 3")                                   # the same, zipped, for a download
    nb = training_notebook(spec, "digits", {"seed": 0}, config)         # nbformat notebook, plain PyTorch
    run_tensorboard_zip(store, record), run_notebook(record)            # the same for a kept run

The notebook rebuilds the model as the plain PyTorch class `to_pytorch_code` writes, loads the same data
with the app's own dataset code (offline) and trains it with a loop a student can read in one screen.
"""

from __future__ import annotations

import inspect
import io
import json
import math
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import torch
from torch import nn

from dlcore.codegen import to_pytorch_code
from dlcore.data.catalogue import load, names
from dlcore.errors import DlcoreError
from dlcore.optim import make_optimizer
from dlcore.plan import as_spec
from dlcore.training import TrainConfig
from dlcore.training.objective import make_objective

# Metric columns that say where and how a row was taken rather than how the model does.
NOT_SCALARS = ("step", "epoch", "count", "elapsed_s")


class ExportError(DlcoreError):
    """A run that cannot be exported in the format asked for: why, and what can be exported instead."""


def scalar_tag(column: str) -> str:
    """A metric column as TensorBoard groups it: "val_accuracy" -> "accuracy/val", "lr" -> "lr"."""
    split, _, name = column.partition("_")
    return f"{name}/{split}" if split in ("train", "val", "test") and name else column


def write_tensorboard_log(
    metrics: pd.DataFrame, folder: str | Path, text: dict[str, str] | None = None
) -> Path:
    """Write a run's metric rows (one per step: `step` and numeric columns) as a TensorBoard event file in
    `folder`, each column a scalar (missing values skipped), and `text` (name -> markdown) beside them."""
    from torch.utils.tensorboard import SummaryWriter  # imports tensorboard: only when a log is written

    folder = Path(folder)
    writer = SummaryWriter(log_dir=str(folder))
    try:
        numeric = [c for c in metrics.columns if pd.api.types.is_numeric_dtype(metrics[c])]
        for column in (c for c in numeric if c not in NOT_SCALARS):
            for step, value in zip(metrics["step"], metrics[column], strict=True):
                if value is not None and math.isfinite(float(value)):
                    writer.add_scalar(scalar_tag(column), float(value), int(step))
        for name, body in (text or {}).items():
            writer.add_text(name, body)
    finally:
        writer.close()
    return folder


def tensorboard_zip(metrics: pd.DataFrame, run_name: str, text: dict[str, str] | None = None) -> bytes:
    """The TensorBoard log of `write_tensorboard_log` as a zip holding one folder named after the run:
    unzip it and run `tensorboard --logdir .`."""
    folder_name = "".join(c if c.isalnum() or c in "-_" else "_" for c in run_name) or "run"
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        folder = write_tensorboard_log(metrics, Path(tmp) / folder_name, text)
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(tmp).as_posix())
    return buffer.getvalue()


def training_notebook(spec, dataset: str, options: dict, config: TrainConfig | dict, title: str = "A run"):
    """A notebook (nbformat v4) that trains `spec` on dataset `dataset` (loaded with `options`) as
    `config` says, in plain PyTorch, and prints its test accuracy (or test loss for values).

    Raises ExportError when the run cannot be written as such a notebook: a dataset that was uploaded
    rather than loaded by name, a recipe other than supervised learning, a learning-rate schedule, early
    stopping or class weights (the notebook's loop keeps to the plain essentials)."""
    cfg = config if isinstance(config, TrainConfig) else TrainConfig.from_dict(dict(config))
    spec = as_spec(spec)
    _check_exportable(dataset, cfg)
    ds = load(dataset, **options)
    model = _built(spec)
    with torch.no_grad():
        out_shape = tuple(model(ds.train[0][:1]).shape[1:])
    objective = make_objective(cfg.loss, ds.task, ds.num_classes, out_shape, cfg.l1, cfg.loss_options)
    if objective.kind not in ("classes", "values"):
        raise ExportError(
            f"a notebook can rebuild runs that predict classes or values; this one's targets are laid out "
            f"as '{objective.kind}': use the TensorBoard export or the checkpoint instead",
            field="loss",
        )
    class_name = _class_name(to_pytorch_code(spec))
    cells = [
        nbformat.v4.new_markdown_cell(_introduction(title, spec, dataset, cfg)),
        nbformat.v4.new_code_cell("import torch\nfrom torch import nn\n\nfrom dlcore.data import load"),
        nbformat.v4.new_markdown_cell("The same data as the app's run, from the app's own dataset code:"),
        nbformat.v4.new_code_cell(_data_code(dataset, options, objective.kind)),
        nbformat.v4.new_markdown_cell("The model, as plain PyTorch:"),
        nbformat.v4.new_code_cell(to_pytorch_code(spec)),
        nbformat.v4.new_code_cell(
            f"torch.manual_seed({cfg.seed})\nmodel = {class_name}()\n"
            f"loss_fn = {_constructor(objective.loss_fn, 'nn')}\n"
            f"optimizer = {_optimizer_code(cfg)}"
        ),
        nbformat.v4.new_markdown_cell("Training: one pass over shuffled batches per epoch."),
        nbformat.v4.new_code_cell(_training_code(cfg, objective.kind)),
        nbformat.v4.new_code_cell(_test_code(objective.kind)),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def notebook_bytes(notebook) -> bytes:
    """A notebook as the .ipynb file a browser downloads."""
    return nbformat.writes(notebook).encode("utf-8")


def run_tensorboard_zip(store, record) -> bytes:
    """A kept run's TensorBoard log, zipped (see tensorboard_zip), with its model and settings as text."""
    text = {
        "model": f"```json\n{json.dumps(record.setup, indent=1)}\n```",
        "settings": f"```json\n{json.dumps(record.config, indent=1, default=str)}\n```",
        "data": f"{record.dataset} {json.dumps(record.options, default=str)}",
    }
    return tensorboard_zip(store.metrics(record.id), f"{record.id}-{record.name}", text)


def run_notebook(record) -> bytes:
    """A kept run as the .ipynb file of `training_notebook`; ExportError when it cannot be one (a
    recipe of several models among them)."""
    if record.recipe != "supervised" or len(record.models) != 1:
        raise ExportError(
            f"a notebook rebuilds runs of one model trained with supervised learning; this run trains "
            f"{len(record.models)} model(s) with the {record.recipe} recipe: use the TensorBoard export "
            "or the checkpoint instead",
            field="recipe",
        )
    notebook = training_notebook(record.spec, record.dataset, record.options, record.config, record.name)
    return notebook_bytes(notebook)


def _check_exportable(dataset: str, cfg: TrainConfig) -> None:
    if dataset not in names():
        raise ExportError(
            f"the dataset '{dataset}' was not loaded by name (an upload?), so a notebook cannot load it "
            "again: use the TensorBoard export or the checkpoint instead",
            field="dataset",
        )
    refused = {
        "recipe": cfg.recipe not in ("auto", "supervised"),
        "schedule": cfg.schedule != "constant",
        "early_stopping_patience": cfg.early_stopping_patience is not None,
        "epochs": cfg.epochs is None,
        "class_weight": cfg.loss_options.get("class_weight", "equal") != "equal",
    }
    for field, refuse in refused.items():
        if refuse:
            raise ExportError(
                f"a notebook rebuilds runs of plain supervised training for a set number of epochs with a "
                f"constant learning rate; this run's '{field}' setting is beyond it: use the TensorBoard "
                "export or the checkpoint instead",
                field=field,
            )


def _built(spec) -> nn.Module:
    from dlcore.build import build_model

    return build_model(spec).eval()


def _class_name(source: str) -> str:
    """The model class of an exported module: the last class it defines."""
    return [line.split()[1].split("(")[0] for line in source.splitlines() if line.startswith("class ")][-1]


def _constructor(obj, module: str, values: dict | None = None, leading: tuple[str, ...] = ()) -> str:
    """`module.Class(leading..., arg=value, ...)` for an object of a PyTorch class, with the arguments
    (read from `values`, else its attributes) that differ from the class's defaults."""
    values = vars(obj) if values is None else values
    args = list(leading)
    for name, param in inspect.signature(type(obj)).parameters.items():
        if param.default is inspect.Parameter.empty or name not in values:
            continue
        value = values[name]
        if not isinstance(value, torch.Tensor) and value != param.default:
            args.append(f"{name}={value!r}")
    return f"{module}.{type(obj).__name__}({', '.join(args)})"


def _optimizer_code(cfg: TrainConfig) -> str:
    """The torch.optim call the app's optimizer stands for (its class and the settings that differ from
    PyTorch's defaults, read from the optimizer the app itself would make)."""
    optimizer = make_optimizer(
        cfg.optimizer, [nn.Parameter(torch.zeros(1))], cfg.lr, cfg.weight_decay, **cfg.optimizer_options
    )
    return _constructor(optimizer, "torch.optim", optimizer.defaults, ("model.parameters()",))


def _introduction(title: str, spec, dataset: str, cfg: TrainConfig) -> str:
    where = ("device", "max_seconds", "metric_interval_s")  # how the app ran it, not what it trained
    settings = {k: v for k, v in cfg.to_dict().items() if k not in where}
    return (
        f"# {title}\n\nExported from DL Playground: the model *{spec.name or 'Net'}* trained on the "
        f"*{dataset}* dataset, rewritten as plain PyTorch. Run all cells to train it again.\n\n"
        f"Settings of the run:\n\n```json\n{json.dumps(settings, indent=1, default=str)}\n```"
    )


def _data_code(dataset: str, options: dict, kind: str) -> str:
    target = ".long()" if kind == "classes" else ".float().reshape(len({0}), -1)"
    lines = [f"ds = load({dataset!r}, **{options!r})" if options else f"ds = load({dataset!r})"]
    for split in ("train", "val", "test"):
        y = f"y_{split}"
        lines.append(f"x_{split}, {y} = ds.{split}")
        lines.append(f"{y} = {y}{target.format(y)}")
    return "\n".join(lines)


def _training_code(cfg: TrainConfig, kind: str) -> str:
    score = "(out.argmax(dim=1) == y).float().mean()" if kind == "classes" else "loss_fn(out, y)"
    penalty = (
        f" + {cfg.l1!r} * sum(p.abs().sum() for p in model.parameters() if p.dim() > 1)" if cfg.l1 else ""
    )
    clip = (
        f"\n        nn.utils.clip_grad_norm_(model.parameters(), {cfg.clip_grad_norm!r})"
        if cfg.clip_grad_norm is not None
        else ""
    )
    return f"""def score(x, y):
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train()
    return float({score})


order_generator = torch.Generator().manual_seed({cfg.seed})
for epoch in range({cfg.epochs}):
    order = torch.randperm(len(x_train), generator=order_generator)
    for start in range(0, len(order), {cfg.batch_size}):
        idx = order[start : start + {cfg.batch_size}]
        optimizer.zero_grad()
        loss = loss_fn(model(x_train[idx]), y_train[idx]){penalty}
        loss.backward(){clip}
        optimizer.step()
    print(f"epoch {{epoch + 1}}: loss {{loss.item():.4f}}, validation score {{score(x_val, y_val):.4f}}")"""


def _test_code(kind: str) -> str:
    what = "test accuracy" if kind == "classes" else "test loss"
    return f'test_score = score(x_test, y_test)\nprint(f"{what}: {{test_score:.4f}}")'
