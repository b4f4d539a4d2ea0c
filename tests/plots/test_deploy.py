"""The Deploy page's figures: variants side by side, accuracy against sparsity."""

import pandas as pd

from dlcore import plots

REPORT = pd.DataFrame(
    {
        "variant": ["float32", "dynamic_int8", "float16"],
        "size_bytes": [9640, 2560, 4820],
        "latency_ms_1_thread": [0.02, 0.05, 0.015],
        "latency_ms_all_threads": [0.02, 0.06, 0.016],
        "test_accuracy": [0.97, 0.97, 0.96],
        "note": ["the trained model", "", ""],
    }
)
CURVE = pd.DataFrame(
    {
        "sparsity": [0.0, 0.0, 0.5, 0.5],
        "test_accuracy": [0.97, 0.98, 0.95, 0.97],
        "fine_tuned": [False, True, False, True],
        "compressed_bytes": [9000, 9000, 5500, 5500],
    }
)


def test_deploy_comparison_draws_size_both_latencies_and_accuracy_by_variant():
    fig = plots.deploy_comparison(REPORT)
    assert [t.name for t in fig.data] == ["size", "1 thread", "all threads", "accuracy"]
    assert all(list(t.x) == REPORT["variant"].tolist() for t in fig.data)
    assert list(fig.data[0].y) == [9.64, 2.56, 4.82]  # kB
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["size (kB)", "latency per input (ms)", "test accuracy"]


def test_accuracy_against_sparsity_has_a_line_with_and_without_fine_tune():
    fig = plots.accuracy_against_sparsity(CURVE)
    assert [t.name for t in fig.data] == ["pruned", "pruned + fine-tuned"]
    assert list(fig.data[1].y) == [0.98, 0.97] and list(fig.data[1].customdata) == [9.0, 5.5]
    only_pruned = plots.accuracy_against_sparsity(CURVE[~CURVE["fine_tuned"]])
    assert [t.name for t in only_pruned.data] == ["pruned"]
