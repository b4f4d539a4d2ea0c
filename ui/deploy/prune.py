"""The Deploy page's "Prune": test accuracy and compressed size as more and more of the smallest weights
are set to zero (dlcore.pruning_curve), with and without a short fine-tune after pruning."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.deploy import keep, kept, progress_bar
from ui.errors import show_error
from ui.state import DEPLOY_PRUNING

SPARSITIES = [0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]  # the share of weights set to zero
FINE_TUNE_STEPS = 100  # optimizer steps after pruning: enough for the weights left to make up for the rest
SCOPES = {  # scope -> (its name on the radio, what it prunes)
    "global": ("Global", "the smallest weights of the whole network"),
    "layer": ("Per layer", "the same share of the smallest weights in every layer"),
}


def draw_pruning(held) -> None:
    """The settings, the button that measures the curve, then the curve and the numbers at one sparsity."""
    st.caption(
        "Pruning sets the smallest weights to zero: they mattered least. Zeros compress well, so the stored "
        "file shrinks, and the network keeps working until too many are gone. A short fine-tune (a few "
        "more training steps) after pruning lets the weights that are left make up for the lost ones."
    )
    scope_col, tune_col, run_col = st.columns([3, 2, 2], vertical_alignment="center")
    scope = scope_col.radio(
        "Which weights",
        list(SCOPES),
        format_func=lambda scope: SCOPES[scope][0],
        key="deploy_prune_scope",
        horizontal=True,
        help="Global: " + SCOPES["global"][1] + ". Per layer: " + SCOPES["layer"][1] + ".",
    )
    fine_tune = tune_col.toggle("Fine-tune after pruning", value=True, key="deploy_prune_fine_tune")
    if run_col.button(
        "Prune from 0 to 95 %", key="deploy_run_pruning", icon=":material/content_cut:", type="primary"
    ):
        measure(held, scope, fine_tune)
    pruned = kept(DEPLOY_PRUNING, held)
    if pruned is None:
        return
    curve = pruned["curve"]
    chart, numbers = st.columns([3, 2])
    chart.plotly_chart(plots.accuracy_against_sparsity(curve), key="deploy_pruning_curve")
    with numbers:
        st.caption(f"Pruned: {SCOPES[pruned['scope']][1]}{pruned['tuned']}.")
        sparsity = st.select_slider(
            "Sparsity (the share of weights set to zero)",
            SPARSITIES,
            value=0.5,
            format_func=lambda s: f"{s:.0%}",
            key="deploy_prune_sparsity",
        )
        draw_at(curve, sparsity)


def measure(held, scope: str, fine_tune: bool) -> None:
    """Run the pruning curve with a progress bar and keep it, with the settings it was run with."""
    progress, bar = progress_bar("Pruning and testing…")
    try:
        curve = dlcore.pruning_curve(
            held.model,
            held.dataset,
            SPARSITIES,
            fine_tune_steps=FINE_TUNE_STEPS if fine_tune else 0,
            scope=scope,
            progress=progress,
        )
    except dlcore.DlcoreError as err:
        show_error(err)
    else:
        tuned = f", then {FINE_TUNE_STEPS} fine-tuning steps" if fine_tune else ""
        keep(DEPLOY_PRUNING, held, {"curve": curve, "scope": scope, "tuned": tuned})
    bar.empty()


def draw_at(curve, sparsity: float) -> None:
    """Accuracy and compressed size at `sparsity`, against the unpruned model."""
    rows = curve[curve["sparsity"] == sparsity]
    dense = curve[(curve["sparsity"] == 0.0) & ~curve["fine_tuned"]].iloc[0]  # the model as trained
    for column, tuned in zip(st.columns(2), (False, True), strict=False):
        row = rows[rows["fine_tuned"] == tuned]
        if len(row):
            accuracy = row["test_accuracy"].iloc[0]
            column.metric(
                "Accuracy, fine-tuned" if tuned else "Accuracy, pruned",
                f"{accuracy:.1%}",
                delta=f"{(accuracy - dense['test_accuracy']) * 100:+.1f} points",
            )
    size, before = rows["compressed_bytes"].iloc[0], dense["compressed_bytes"]
    st.metric(
        "Compressed size (zip)",
        f"{size / 1000:.1f} kB",
        delta=f"{size / before - 1:+.0%}",
        delta_color="inverse",  # smaller is better
        help=f"The pruned weights compressed with zlib (as in .zip files); unpruned: {before / 1000:.1f} kB.",
    )
