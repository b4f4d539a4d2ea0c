"""Saving and loading the model on the Build page: its spec as a JSON file."""

from __future__ import annotations

import json

import streamlit as st

import dlcore
from ui import state as keys
from ui.build import model
from ui.text import plain
from ui.train import presets as train_presets
from ui.uploads import parse_once

UPLOAD = "spec_upload"  # the uploader's widget key


def draw_save_and_load() -> None:
    """Download the spec; upload one (a file that cannot be used is explained, the model kept)."""
    spec = model.model_dict()
    save_col, load_col = st.columns(2)
    save_col.download_button(
        "Download spec (JSON)",
        json.dumps(spec, indent=2),
        file_name=f"{model.file_stem(spec.get('name', ''))}.json",
        mime="application/json",
        help="A plain JSON description of the architecture: share it, or upload it again later.",
    )
    upload = load_col.file_uploader("Upload a spec (JSON)", type=["json"], key=UPLOAD)
    if upload is None:
        return
    parsed = parse_once(upload, lambda f: dlcore.ModelSpec.from_json(f.getvalue()), keys.SPEC_UPLOAD_PARSED)
    if parsed.error is not None:
        load_col.error(
            plain(f"{upload.name} was not loaded, your model is unchanged. {parsed.error.message}"),
            icon=":material/description:",
        )
    elif parsed.fresh:
        model.set_model(parsed.value)
        train_presets.use_dataset_of(parsed.value)
        st.rerun()
