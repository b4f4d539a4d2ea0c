"""The Export section: the ticked run as a TensorBoard log (for `tensorboard --logdir`) and as a Jupyter
notebook that trains its model again in plain PyTorch."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

import dlcore
from ui.runs.sections import Section, register_section


def draw_exports(runs: Sequence[dlcore.RunRecord]) -> None:
    if not runs:
        st.info("Tick a run in the table to download it.", icon=":material/download:")
        return
    run = runs[-1]
    file_name = f"run-{run.id}"
    st.caption(f"**#{run.id} {run.name}**: {run.model_name} on {run.dataset}")
    log, notebook = st.columns(2, gap="large")
    with log:
        st.download_button(
            "TensorBoard log (.zip)",
            data=lambda: dlcore.run_exports.run_tensorboard_zip(dlcore.run_store(), run),
            file_name=f"{file_name}-tensorboard.zip",
            mime="application/zip",
            icon=":material/monitoring:",
            on_click="ignore",
            key=f"runs.export.log.{run.id}",
        )
        st.caption(
            "Unzip it, then run `tensorboard --logdir .` in that folder: its curves, model and settings."
        )
    with notebook:
        try:
            data = dlcore.run_exports.run_notebook(run)
        except dlcore.DlcoreError as err:
            st.info(err.message, icon=":material/info:")
            return
        st.download_button(
            "Notebook (.ipynb)",
            data=data,
            file_name=f"{file_name}.ipynb",
            mime="application/x-ipynb+json",
            icon=":material/code_blocks:",
            on_click="ignore",
            key=f"runs.export.notebook.{run.id}",
        )
        st.caption("The model as plain PyTorch code, the same data and settings: run all cells to train it.")


register_section(Section("export", "Export", draw_exports))
