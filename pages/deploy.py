"""Deploy: the trained model as files other programs run (ONNX, TorchScript), made smaller by quantisation
and pruning, with what each step costs in accuracy."""

import streamlit as st

from ui.deploy.export import draw_exports
from ui.deploy.prune import draw_pruning
from ui.deploy.smaller import draw_smaller
from ui.frame import require_frame
from ui.inspect.subject import require_subject, snapshot_bar
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/rocket_launch: Deploy")
compact_top()  # on a 1280×720 projector each tab's result stays above the fold
st.caption("From a trained network to a file that runs anywhere: export it, shrink it, and check the cost.")

held = require_subject("deploy")
if held is not None:
    held = snapshot_bar(held, key="deploy_snapshot_button")
    export, smaller, prune = st.tabs(["Export", "Make it smaller", "Prune"])
    with export:
        draw_exports(held)
    with smaller:
        draw_smaller(held)
    with prune:
        draw_pruning(held)
