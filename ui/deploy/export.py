"""The Deploy page's exports: ONNX, TorchScript, and the safetensors weights with the model's code. Each
export runs on click and is checked on the spot: the exported file is run and compared with PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

import dlcore
from ui.build.model import file_stem
from ui.deploy import keep, kept
from ui.errors import show_error
from ui.state import DEPLOY_EXPORTS

EXAMPLES = 32  # test inputs each export is traced with and checked on
CLOSE = 1e-4  # a largest difference up to this is float rounding, not a different model


@dataclass(frozen=True)
class Format:
    """One file format the page exports to, and what the page says about it."""

    label: str  # the button
    export: Callable  # export(model, example) -> dlcore.Export
    file_name: str
    checked_by: str  # how the exported file was run for the check
    where: str  # where the file goes next


FORMATS = {
    "onnx": Format(
        "Export to ONNX",
        lambda model, example: dlcore.export_onnx(model, example),  # looked up at each call
        "model.onnx",
        "run in ONNX Runtime",
        "Open model.onnx in Netron (netron.app) to see its graph. ONNX Runtime runs it from Python, C++, "
        "C#, Java or JavaScript, without PyTorch.",
    ),
    "torchscript": Format(
        "Export to TorchScript",
        lambda model, example: dlcore.export_torchscript(model, example),
        "model.pt",
        "reloaded with torch.jit.load",
        "Load model.pt with torch.jit.load in Python, or from C++ with LibTorch: no model code needed.",
    ),
}


def draw_exports(held) -> None:
    """Three columns: ONNX, TorchScript, weights + code; each with its button and what it made."""
    st.caption(
        "Exporting writes the trained network into a file that other programs can run without this "
        "playground. Each file is checked at once: it runs on the same test inputs as PyTorch, and the "
        "largest difference between their outputs is shown."
    )
    exports = kept(DEPLOY_EXPORTS, held) or {}
    columns = st.columns(3)
    for column, fmt in zip(columns, FORMATS, strict=False):
        with column:
            draw_export(held, fmt, exports)
    with columns[2]:
        draw_weights_and_code(held, exports)


def draw_export(held, fmt: str, exports: dict) -> None:
    """The button that exports to `fmt`, then the check and the download (or why it cannot be exported)."""
    form = FORMATS[fmt]
    if st.button(form.label, key=f"deploy_export_{fmt}", icon=":material/output:", width="stretch"):
        with st.spinner(f"{form.label}…"):
            try:
                exports[fmt] = form.export(held.model, held.dataset.test[0][:EXAMPLES])
            except dlcore.DlcoreError as err:  # a layer the format cannot hold: the engine says which, why
                exports[fmt] = err
        keep(DEPLOY_EXPORTS, held, exports)
    made = exports.get(fmt)
    if isinstance(made, dlcore.DlcoreError):
        show_error(made)
    elif made is not None:
        draw_check(made, form.checked_by)
        download(f"{form.file_name} ({len(made.data) / 1000:.0f} kB)", made.data, form.file_name, fmt)
        st.caption(form.where)


def draw_check(made, checked_by: str) -> None:
    """How the file was made, and how close its outputs came to PyTorch's."""
    diff = made.max_abs_diff
    said = f"Made with {made.method}, {checked_by}: "
    if diff == 0:
        st.success(f"{said}matches PyTorch exactly.", icon=":material/check_circle:")
    elif diff <= CLOSE:
        st.success(f"{said}matches PyTorch to {diff:.0e}.", icon=":material/check_circle:")
    else:
        st.warning(f"{said}differs from PyTorch by up to {diff:.2g}.", icon=":material/warning:")


def draw_weights_and_code(held, exports: dict) -> None:
    """The weights as safetensors with the spec (the Train page's file) and the model as PyTorch code."""
    if st.button("Weights + code", key="deploy_export_code", icon=":material/code:", width="stretch"):
        spec = held.job.spec
        try:
            exports["code"] = (
                file_stem(spec.name),
                dlcore.checkpoint_bytes(spec, held.model),
                dlcore.to_pytorch_code(spec),
            )
        except dlcore.DlcoreError as err:
            exports["code"] = err
        keep(DEPLOY_EXPORTS, held, exports)
    made = exports.get("code")
    if isinstance(made, dlcore.DlcoreError):
        show_error(made)
    elif made is not None:
        stem, checkpoint, code = made
        st.success(
            "Made with safetensors and the model's PyTorch code: every weight stored as it is, exact.",
            icon=":material/check_circle:",
        )
        download("the weights (.zip)", checkpoint, f"{stem}.zip", "checkpoint")
        download("model.py", code, "model.py", "code")
        st.caption(
            "The .zip holds the spec and the weights (safetensors), and loads back on the Train page. "
            "model.py builds the network; safetensors' load_file fills in its trained weights."
        )


def download(what: str, data: bytes | str, file_name: str, key: str) -> None:
    st.download_button(
        f"Download {what}",
        data,
        file_name=file_name,
        key=f"deploy_download_{key}",
        icon=":material/download:",
        on_click="ignore",  # downloading changes nothing on the page: no rerun
    )
