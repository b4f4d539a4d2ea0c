"""Benchmark of the Sequences page's attention and language tabs: what one redraw of their views costs.

    python scripts/bench_attention.py
    python scripts/bench_attention.py --repeats 50

For one input: the attention maps of every layer and head with the model's answer (dlcore.sequences.
attention.attention_view) and their figures; a language model's next-character probabilities and a sampled
continuation. Models are the tabs' own (defaults, and the largest the tab allows), with the weights a run
starts from (time does not depend on them). One intra-op thread, as the page draws. Prints medians in ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import dlcore  # noqa: E402
from dlcore import plots  # noqa: E402
from dlcore.sequences import attention, language  # noqa: E402


def median_ms(work, repeats: int) -> float:
    work()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def bench_attention(state, repeats: int) -> tuple[float, float]:
    ds = attention.dataset(state)
    model = attention.untrained_model(state, ds)
    view = attention.attention_view(model, state, ds)
    maps = median_ms(lambda: attention.attention_view(model, state, ds), repeats)
    figures = median_ms(
        lambda: (
            plots.attention_layers(view.maps, view.queries, view.keys).to_json(),
            plots.positional_codes(view.positions).to_json(),
        ),
        repeats,
    )
    return maps, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"device: CPU ({os.cpu_count()} cores), one intra-op thread, torch {torch.__version__}")
    print(f"{'attention tab, one input':58s} {'view ms':>9s} {'figures ms':>11s} {'total ms':>9s}")
    default = attention.AttentionState()
    for name, state in (
        ("reverse, 1 layer x 2 heads, width 32 (default)", default),
        (
            "add, 4 layers x 8 heads, width 128, causal (largest)",
            replace(default, task="add", length=12, layers=4, heads=8, width=128, mask="causal"),
        ),
    ):
        maps, figures = bench_attention(state, args.repeats)
        print(f"{name:58s} {maps:9.1f} {figures:11.1f} {maps + figures:9.1f}")

    print(
        f"\n{'language tab, prompt of 8 characters':58s} {'probs ms':>9s} {'bars ms':>11s} {'sample ms':>9s}"
    )
    for name, state in (
        ("2 layers x 2 heads, width 64, context 32 (default)", language.LanguageState()),
        (
            "4 layers x 8 heads, width 128, context 64 (largest)",
            language.LanguageState(layers=4, heads=8, width=128, context=64),
        ),
    ):
        print(f"{name:58s} " + bench_language(state, args.repeats))


def bench_language(state, repeats: int) -> str:
    ds = language.dataset(state)
    model = dlcore.build_model(language.model_spec(state, ds)).eval()
    tokens = language.encode(state.prompt, ds.class_names)
    probs = median_ms(lambda: language.next_token_probabilities(model, tokens, 1.0), repeats)
    p = language.next_token_probabilities(model, tokens, 1.0)
    bars = median_ms(lambda: plots.next_token_bars(p, ds.class_names).to_json(), repeats)
    count = language.SAMPLE_CHARACTERS
    sample = median_ms(lambda: language.sample(model, tokens, count, 1.0, 0), max(3, repeats // 5))
    return f"{probs:9.1f} {bars:11.1f} {sample:9.0f}  ({count} characters)"


if __name__ == "__main__":
    main()
