"""Command line: train a model from a spec file, benchmark the engine, export a model as PyTorch code.

python -m dlcore train --spec model.json --data spiral --epochs 20 --device auto [--save run/]
python -m dlcore train --spec gan.json --data ring   (a recipe spec: {"recipe", "models": {role: spec}})
python -m dlcore train --spec model.json --data digits --ray auto   (on a Ray cluster: pip install '.[ray]')
python -m dlcore bench [--json] [--device cpu|cuda] [--seconds N] [--workload NAME ...]
python -m dlcore export --spec model.json [-o model.py]
python -m dlcore export --checkpoint run/ --format onnx|torchscript|code [-o model.onnx]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from dlcore.errors import DlcoreError


class ProgressBar:
    """A one-line progress bar on stderr, redrawn in place: [#####.....] 52% epoch 11/20 loss 0.31."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.live = self.stream.isatty()
        self._last = ""

    def draw(self, progress: dict, loss: float | None) -> None:
        fraction = progress["fraction"]
        if fraction is None:
            bar, pct = "?" * self.width, "  ?%"
        else:
            filled = int(round(fraction * self.width))
            bar, pct = "#" * filled + "." * (self.width - filled), f"{fraction:4.0%}"
        epochs = progress["epochs"] or "∞"
        text = f"[{bar}] {pct} epoch {progress['epoch']}/{epochs} step {progress['step']}"
        if loss is not None and math.isfinite(loss):
            text += f" loss {loss:.4g}"
        if progress["eta_s"] is not None:
            text += f" eta {progress['eta_s']:.0f}s"
        if self.live:
            self.stream.write("\r" + text.ljust(len(self._last)))
            self.stream.flush()
        self._last = text

    def close(self) -> None:
        self.stream.write(("\r" if self.live else "") + self._last + "\n")
        self.stream.flush()


def _read_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise DlcoreError(f"cannot read the spec file {path}: {err.strerror}") from None


def _read_spec(path: str):
    from dlcore.spec import ModelSpec

    return ModelSpec.from_json(_read_bytes(path))


def _read_models(path: str):
    """A model spec file, or a recipe spec file ({"recipe", "models": {role: spec}, "options"}, as
    RecipeSpec.to_dict writes it). Returns (models by role, or one ModelSpec; the RecipeSpec or None)."""
    from dlcore.spec import ModelSpec
    from dlcore.training.recipe import RecipeSpec

    raw = _read_bytes(path)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or too deep: ModelSpec.from_json says why
        data = None
    if isinstance(data, dict) and "models" in data:
        recipe = RecipeSpec.from_dict(data)
        return recipe.models, recipe
    return ModelSpec.from_json(raw), None


def _train(args) -> int:
    import dlcore
    from dlcore.checkpoint import save_checkpoint
    from dlcore.training import TrainConfig

    models, recipe = _read_models(args.spec)
    options = json.loads(args.data_options) if args.data_options else {}
    ds = dlcore.data.load(args.data, **options)
    values = {"epochs": args.epochs, "device": args.device, "seed": args.seed}
    for name in ("loss", "optimizer", "lr", "batch_size", "schedule", "weight_decay", "recipe"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if recipe is not None:
        values.update(recipe=recipe.recipe, recipe_options=recipe.options)
    elif args.loss is None:
        values["loss"] = _default_loss(ds, dlcore.output_shape(models))
    cfg = TrainConfig.from_dict(values)
    if args.ray:
        dlcore.use_ray(args.ray)
    job = dlcore.start_training(models, ds, cfg, resume_from=args.resume)
    team = (
        {spec.name: spec for spec in models.values()} if isinstance(models, dict) else {models.name: models}
    )
    names = " + ".join(name or Path(args.spec).stem for name in team)
    how = f"the {job.recipe} recipe" if cfg.recipe != "auto" else cfg.loss
    print(
        f"Training {names} on {ds.name} ({len(ds.train[0])} examples) "
        f"on {job.device_name} with {how} and {cfg.optimizer} (lr={cfg.lr:g})",
        file=sys.stderr,
    )
    bar = ProgressBar()
    try:
        while not job.wait(0.2):
            last = job.metrics().tail(1)
            bar.draw(job.progress(), float(last["train_loss"].iloc[0]) if len(last) else None)
    except KeyboardInterrupt:
        job.stop("interrupted (Ctrl+C)")
    finally:
        job.stop("the command line stopped")  # a no-op for a job that already ended
        job.wait()
    last = job.metrics().tail(1)
    bar.draw(job.progress(), float(last["train_loss"].iloc[0]) if len(last) else None)
    bar.close()
    print(job.message)
    _print_result(job)
    if args.save and job.status != "failed":
        meta = {"step": job.progress()["step"], "epoch": job.progress()["epoch"]}
        # the recipe and a model per role (a recipe spec), or the one model's spec: as the run was set up
        save_checkpoint(args.save, job.setup, job.snapshots(), metrics=job.metrics(), config=cfg, meta=meta)
        print(f"Saved the spec, the weights, metrics.csv and config.json to {args.save}")
    return 1 if job.status == "failed" else 0


def _default_loss(ds, out_shape) -> str:
    """The usual loss of what a supervised model learns on `ds`; one raw score for two classes: BCE."""
    from dlcore.tasks import TASKS

    task = TASKS.get(ds.task).learned_by_supervision()
    if task.class_per_example and tuple(out_shape) == (1,) and task.suits("bce_with_logits"):
        return "bce_with_logits"
    return task.losses[0]


def _print_result(job) -> None:
    epochs = job.epoch_metrics()
    if len(epochs):
        last = epochs.iloc[-1]
        scores = [
            f"{name.replace('_', ' ')} "
            + (f"{last[name]:.1%}" if "accuracy" in name else f"{last[name]:.4g}")
            for name in epochs.columns
            if name.startswith(("train_", "val_")) and last[name] == last[name]  # NaN: not measured
        ]
        print(f"epoch {int(last['epoch'])}: " + ", ".join(scores))
    result = job.result
    if not result:
        return
    if "test_accuracy" in result:
        print(f"test accuracy {result['test_accuracy']:.1%}   test loss {result['test_loss']:.4g}")
        print(result["per_class"].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    elif "r2" in result:
        print(f"test R² {result['r2']:.3f}   test loss {result['test_loss']:.4g}")
    else:  # a generative recipe's own test scores
        scores = {k: v for k, v in result.items() if k.startswith("test_") and isinstance(v, (int, float))}
        print("   ".join(f"{name.replace('_', ' ')} {value:.4g}" for name, value in scores.items()))


def _bench(args) -> int:
    from dlcore import bench

    if args.first_metric:
        for name in bench.first_models():
            seconds = bench.first_metric_seconds(name, args.device)
            row = {"model": name, "device": args.device, "first_metric_s": round(seconds, 3)}
            print(json.dumps(row) if args.json else f"{name:<36}{seconds * 1000:8.0f} ms to the first metric")
        return 0
    rows = bench.run(args.workload, device=args.device, seconds=args.seconds)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(f"{'workload':<22}{'engine steps/s':>16}{'baseline':>10}{'steps/s':>12}{'ratio':>8}   device")
        for r in rows:
            print(
                f"{r['workload']:<22}{r['engine_steps_per_s']:>16.1f}{r['baseline']:>10}"
                f"{r['baseline_steps_per_s']:>12.1f}{r['ratio']:>8.2f}   {r['device']}"
            )
    return 0


EXPORT_SUFFIX = {"onnx": ".onnx", "torchscript": ".pt"}
EXPORT_CHECK = {"onnx": "ONNX Runtime", "torchscript": "torch.jit.load"}


def _export_model(args):
    """(spec, model): a trained model from --checkpoint, or the spec's model with fresh weights."""
    import dlcore
    from dlcore.spec import ModelSpec

    if args.spec:
        spec = _read_spec(args.spec)
        return spec, dlcore.build_model(spec).eval()
    spec, model = dlcore.load_checkpoint(args.checkpoint)
    if not isinstance(spec, ModelSpec):
        raise dlcore.DeployError("this checkpoint holds a recipe's several models: export needs one model")
    return spec, model


def _export(args) -> int:
    import dlcore

    spec, model = _export_model(args)
    if args.format == "code":
        code = dlcore.to_pytorch_code(spec)
        if args.output:
            Path(args.output).write_text(code)
        else:
            print(code)
        return 0
    exporter = dlcore.export_onnx if args.format == "onnx" else dlcore.export_torchscript
    exported = exporter(model, dlcore.example_input(spec))
    path = Path(args.output or "model" + EXPORT_SUFFIX[args.format])
    path.write_bytes(exported.data)
    print(f"Wrote {path} ({len(exported.data) / 1000:.1f} kB) with {exported.method}")
    print(
        f"check: {EXPORT_CHECK[args.format]} ran the file; largest difference from PyTorch "
        f"{exported.max_abs_diff:.3g}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    from dlcore import bench

    parser = argparse.ArgumentParser(
        prog="python -m dlcore", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model from a spec file and print the test scores")
    train.add_argument(
        "--spec",
        required=True,
        help="model JSON (as saved by the Build page), or a recipe spec JSON: "
        '{"recipe": "gan", "models": {"generator": {...}, "discriminator": {...}}, "options": {...}}',
    )
    train.add_argument("--recipe", help="how a single model trains, e.g. diffusion (default: the data's own)")
    train.add_argument("--data", required=True, help="dataset name, e.g. spiral, digits, reverse")
    train.add_argument("--data-options", help="dataset options as JSON, e.g. '{\"noise\": 0.2}'")
    train.add_argument("--epochs", type=int, default=20)
    train.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    train.add_argument(
        "--loss", help="default: cross_entropy for classes (bce_with_logits for one output), mse"
    )
    train.add_argument("--optimizer")
    train.add_argument("--lr", type=float)
    train.add_argument("--batch-size", type=int)
    train.add_argument("--schedule")
    train.add_argument("--weight-decay", type=float)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--save", help="folder for spec.json, model.safetensors, metrics.csv, config.json")
    train.add_argument("--resume", help="checkpoint folder or .zip to continue from")
    train.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="train on the Ray cluster at ADDRESS (auto, ray://host:10001, local); default: $DLP_RAY_ADDRESS",
    )
    train.set_defaults(run=_train)

    bench_cmd = commands.add_parser("bench", help="engine vs plain PyTorch loops, steps per second")
    bench_cmd.add_argument("--json", action="store_true", help="one JSON object per workload")
    bench_cmd.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    bench_cmd.add_argument("--seconds", type=float, default=3.0, help="timed seconds per loop")
    bench_cmd.add_argument("--workload", action="append", choices=list(bench.WORKLOADS))
    bench_cmd.add_argument(
        "--first-metric", action="store_true", help="time from start to the first metric for the first models"
    )
    bench_cmd.set_defaults(run=_bench)

    export = commands.add_parser(
        "export", help="a model as PyTorch code, ONNX or TorchScript (the file checked against PyTorch)"
    )
    source = export.add_mutually_exclusive_group(required=True)
    source.add_argument("--spec", help="model JSON: its model with fresh weights")
    source.add_argument("--checkpoint", help="a saved run (folder or .zip): the trained model")
    export.add_argument("--format", default="code", choices=("code", "onnx", "torchscript"))
    export.add_argument("-o", "--output", help="file to write (default: code printed, model.onnx, model.pt)")
    export.set_defaults(run=_export)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DlcoreError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
