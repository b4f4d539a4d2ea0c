"""How fast the Inspect, Explain and Adversarial pages answer, on a 28×28 digits-sized CNN.

    python scripts/bench_inspect.py [--repeats 20] [--device cpu]

Prints the median and best time per operation for ONE input (what a page computes per click), the
targets the pages aim for, and the device. The weights are random: speed does not depend on them.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing
import dlcore  # noqa: E402
from dlcore.bench import WORKLOADS  # noqa: E402  (the training benchmark's 28×28 CNN, one definition)

CNN28 = WORKLOADS["cnn28"].spec
TARGETS_S = {"feature maps": 0.3, "saliency": 0.5, "integrated_gradients": 2.0}


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def timed(fn, repeats: int) -> tuple[float, float]:
    fn()  # warm-up: first calls pay for lazy imports and allocator growth
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    args = parser.parse_args()
    device = torch.device(args.device if args.device == "cpu" or torch.cuda.is_available() else "cpu")

    model = dlcore.build_model(dlcore.ModelSpec.from_dict(CNN28)).to(device).eval()
    x = torch.randn(1, 1, 28, 28, device=device)
    batch = torch.randn(256, 1, 28, 28, device=device)
    labels = torch.randint(0, 10, (256,), device=device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name()
    print(f"device: {device.type} ({name}), torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    print(f"model: cnn28, {sum(p.numel() for p in model.parameters()):,} parameters, one 1×28×28 input\n")

    rows = [("feature maps", lambda: (dlcore.feature_maps(model, x), dlcore.dense_activations(model, x)))]
    for method in dlcore.EXPLAIN_METHODS.names():
        rows.append((method, lambda m=method: dlcore.explain(m, model, x, 3)))
    rows.append(("sanity check (saliency)", lambda: dlcore.randomisation_check("saliency", model, x, 3)))
    rows.append(("fgsm, 1 input", lambda: dlcore.attack("fgsm", model, x, labels[:1], 0.1)))
    rows.append(("pgd (10 steps), 1 input", lambda: dlcore.attack("pgd", model, x, labels[:1], 0.1)))
    rows.append(
        (
            "accuracy vs ε, 256 inputs × 7 ε (fgsm)",
            lambda: dlcore.accuracy_under_attack(model, batch, labels, [0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]),
        )
    )

    print(f"{'operation':42s} {'median':>9s} {'best':>9s} {'target':>8s}")
    for label, fn in rows:
        median, best = timed(fn, args.repeats if "vs ε" not in label else max(3, args.repeats // 5))
        target = TARGETS_S.get(label)
        verdict = "" if target is None else (f"≤{target:g} s " + ("ok" if median <= target else "SLOW"))
        print(f"{label:42s} {median * 1000:7.1f}ms {best * 1000:7.1f}ms {verdict}")


if __name__ == "__main__":
    main()
