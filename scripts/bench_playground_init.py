"""How well the 2-D playground's default network learns TF Playground's classic setups, per initialiser.

    python scripts/bench_playground_init.py                  # seeds 1-3, 200 epochs, three initialisers
    python scripts/bench_playground_init.py --seeds 1-8 --init kaiming --init xavier

Each setup is a playground link, trained the way the page trains it (its data, seed, SGD, batch 10, ...)
and scored in TF Playground's terms: 0.5·mean((2p - 1 - t)²) on the test points, t = ±1. A loss near
0.5 with every output near 0.5 means the network learned nothing. Prints the device.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from dlcore import playground as pg  # noqa: E402

# setup -> (link, TF Playground's own figure for it: its 5-seed mean test loss after 200 epochs, if known)
SETUPS = {
    "xor, default 4-2 tanh network": ("dataset=xor", 0.028),
    "spiral, six layers of 8 ReLU, lr 0.01": ("dataset=spiral&layers=8,8,8,8,8,8&act=relu&lr=0.01", 0.433),
    "circle, default 4-2 tanh network (the first screen)": ("dataset=circle", None),
}
INITS = ("default", "tf_playground", pg.DEFAULT_INIT)


def seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def run(link: str, init: str, seed: int, epochs: int) -> tuple[float, float]:
    """(TF Playground's test loss, spread of the outputs p(class 1)) after `epochs` epochs."""
    query = dict(part.split("=", 1) for part in link.split("&"))
    state, problems = pg.from_query({**query, "seed": str(seed)})
    assert not problems, problems
    network = replace(state.a, init=init)
    model, dataset = pg.train_epochs(state, network, epochs)
    with torch.no_grad():
        spread = float(torch.softmax(model(dataset.test[0]), dim=1)[:, 1].std())
    return pg.tf_playground_loss(model, dataset), spread


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1-3", help="a seed or a range, e.g. 1-3")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--init", action="append", help=f"initialiser(s) to compare (default: {INITS})")
    args = parser.parse_args()
    print(
        f"device: CPU ({platform.processor() or platform.machine()}), torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; {args.epochs} epochs; page default init: {pg.DEFAULT_INIT}"
    )
    for name, (link, tf_figure) in SETUPS.items():
        print(f"\n{name}  (TF Playground: {'not measured' if tf_figure is None else f'{tf_figure:.3f}'})")
        for init in args.init or INITS:
            start = time.perf_counter()
            results = [run(link, init, seed, args.epochs) for seed in seeds(args.seeds)]
            losses = [loss for loss, _ in results]
            dead = sum(spread < 1e-3 for _, spread in results)
            print(
                f"  {init:16s} mean {statistics.mean(losses):.3f}  per seed "
                + " ".join(f"{loss:.3f}" for loss in losses)
                + f"  ({dead} run(s) with every output ≈ 0.5; {time.perf_counter() - start:.0f} s)"
            )


if __name__ == "__main__":
    main()
