"""The model as PyTorch code on the Build page, to read and to download."""

from __future__ import annotations

import streamlit as st

import dlcore
from ui.build import model


def draw_code(analysis: model.Analysis) -> None:
    """The code of the model once it builds; until then, what to do first."""
    if analysis.error is not None:
        st.info(
            "The code appears once the model builds: fix the problem marked above first.",
            icon=":material/build:",
        )
        return
    code = dlcore.to_pytorch_code(model.model_spec())
    st.code(code, language="python")
    st.download_button("Download model.py", code, file_name="model.py", mime="text/x-python")
