"""Command line: train a model from a spec file, benchmark the engine, export a model as PyTorch code.

python -m dlcore train --spec model.json --data spiral --epochs 20 --device auto [--save run/]
python -m dlcore bench [--json] [--device cpu|cuda] [--seconds N] [--workload NAME ...]
python -m dlcore export --spec model.json [-o model.py]
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


def _read_spec(path: str):
    from dlcore.spec import ModelSpec

    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise DlcoreError(f"cannot read the spec file {path}: {err.strerror}") from None
    return ModelSpec.from_json(data)


def _train(args) -> int:
    import dlcore
    from dlcore.checkpoint import save_checkpoint
    from dlcore.training import TrainConfig

    spec = _read_spec(args.spec)
    options = json.loads(args.data_options) if args.data_options else {}
    ds = dlcore.data.load(args.data, **options)
    values = {"epochs": args.epochs, "device": args.device, "seed": args.seed}
    for name in ("loss", "optimizer", "lr", "batch_size", "schedule", "weight_decay"):
        if getattr(args, name) is not None:
            values[name] = getattr(args, name)
    if args.loss is None:
        values["loss"] = _default_loss(ds, dlcore.output_shape(spec))
    cfg = TrainConfig.from_dict(values)
    job = dlcore.start_training(spec, ds, cfg, resume_from=args.resume)
    print(
        f"Training {spec.name or Path(args.spec).stem} on {ds.name} ({len(ds.train[0])} examples) "
        f"on {job.device_name} with {cfg.loss} and {cfg.optimizer} (lr={cfg.lr:g})",
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
        model = job.snapshot()
        meta = {"step": job.progress()["step"], "epoch": job.progress()["epoch"]}
        save_checkpoint(args.save, spec, model, metrics=job.metrics(), config=cfg, meta=meta)
        print(f"Saved spec.json, model.safetensors, metrics.csv and config.json to {args.save}")
    return 1 if job.status == "failed" else 0


def _default_loss(ds, out_shape) -> str:
    if ds.task in ("regression", "generative"):
        return "mse"
    if ds.task == "binary" and tuple(out_shape) == (1,):
        return "bce_with_logits"
    return "cross_entropy"


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
    else:
        print(f"test R² {result['r2']:.3f}   test loss {result['test_loss']:.4g}")


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


def _export(args) -> int:
    import dlcore

    code = dlcore.to_pytorch_code(_read_spec(args.spec))
    if args.output:
        Path(args.output).write_text(code)
    else:
        print(code)
    return 0


def main(argv: list[str] | None = None) -> int:
    from dlcore import bench

    parser = argparse.ArgumentParser(
        prog="python -m dlcore", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a model from a spec file and print the test scores")
    train.add_argument("--spec", required=True, help="model JSON (as saved by the Build page)")
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

    export = commands.add_parser("export", help="print a spec as plain PyTorch code")
    export.add_argument("--spec", required=True)
    export.add_argument("-o", "--output")
    export.set_defaults(run=_export)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except DlcoreError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
