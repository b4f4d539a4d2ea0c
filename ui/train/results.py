"""The test results of a finished run, under a title naming its model and dataset."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.build import model
from ui.train import state
from ui.train.live import label, run_models


def results_title(job) -> str:
    """Whose results these are: the run's own model and dataset, which may no longer be the ones on screen."""
    return f"Test results of {run_models(job, 'your model')} on {job.dataset.name}"


def _trained_what_is_on_screen(job) -> bool:
    return model.is_current(job.spec) and job.dataset.name == state.current().dataset


def draw_results(job) -> None:
    """Test-set results of a finished job, under a title naming its model and dataset: accuracy (or R²),
    per-class table and confusion matrix; predictions against targets, or reconstructions beside inputs."""
    result = job.result or {}
    st.subheader(results_title(job))
    if not _trained_what_is_on_screen(job):
        st.caption(
            "From the last run: the model or the dataset has changed since. Press **Start** to train "
            "the one above."
        )
    values = result.get("predictions") is not None
    # regression and autoencoders: the numbers stacked beside their (square) figure
    numbers_col, figure_col = st.columns([1, 2]) if values else (None, None)
    cols = [numbers_col, numbers_col] if values else st.columns(3)
    if result.get("test_accuracy") is not None:
        cols[0].metric("Test accuracy", f"{result['test_accuracy']:.1%}")
    if result.get("r2") is not None:
        cols[0].metric("Test R²", f"{result['r2']:.3f}")
    if result.get("test_loss") is not None:
        cols[1].metric("Test loss", f"{result['test_loss']:.4f}")
    if not values and result.get("test_accuracy") is None:  # a recipe's own scores (GAN, VAE, diffusion)
        scores = [k for k, v in result.items() if k.startswith("test_") and k != "test_loss" and _number(v)]
        for col, name in zip((cols[0], cols[2]), scores, strict=False):
            col.metric(label(name.replace("test_", "test ")), f"{result[name]:.4f}")
    if values:
        rebuilds = dlcore.TASKS.get(job.dataset.task).learned_by_supervision().name == "reconstruction"
        draw = plots.reconstructions if rebuilds else plots.predictions_vs_targets
        figure_col.plotly_chart(draw(result["targets"], result["predictions"]), key="value_results")
    per_class = result.get("per_class")
    matrix = result.get("confusion_matrix")
    if per_class is not None and matrix is not None:
        table_col, matrix_col = st.columns([1, 1.3])
        table_col.markdown(
            "**Per class** (precision: how often a prediction of the class is right; recall: "
            "how many of the class are found; F1: their balance)"
        )
        scores = {c: st.column_config.NumberColumn(format="%.2f") for c in ("precision", "recall", "f1")}
        table_col.dataframe(per_class, hide_index=True, width="stretch", column_config=scores)
        matrix_col.plotly_chart(
            plots.confusion_matrix(matrix, result.get("class_names") or []), key="confusion_matrix"
        )


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
