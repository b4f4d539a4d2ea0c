"""Learning: how networks learn, up close. Backprop one number at a time, optimizers racing on a surface,
the loss landscape of the tab's model, and the learning-rate finder with the schedules, all on real PyTorch
(autograd and torch.optim)."""

import streamlit as st

from ui.frame import require_frame
from ui.learning import state
from ui.learning.backprop import draw_backprop
from ui.learning.landscape import draw_landscape
from ui.learning.lr_finder import draw_lr_finder
from ui.learning.race import draw_race
from ui.state import sync_url
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/psychology: Learning")
compact_top()  # on a 1280×720 projector each tool stays above the fold
state.show_notices()

# Tool (dlcore.learning.TOOLS) -> its tab's label and what draws it, in tab order.
TABS = {
    "backprop": ("Backprop step by step", draw_backprop),
    "race": ("Optimizer race", draw_race),
    "landscape": ("Loss landscape", draw_landscape),
    "lr_finder": ("Learning-rate finder", draw_lr_finder),
}
tool_of = {label: tool for tool, (label, _) in TABS.items()}
state.bind_tabs("learning.tab", TABS[state.current().tool][0])
tabs = st.tabs(
    [label for label, _ in TABS.values()],
    **state.LEARNING.on_change("learning.tab", state.tool_change(tool_of)),
)
for tab, (_, draw) in zip(tabs, TABS.values(), strict=True):
    if tab.open:  # only the open tab's tool runs
        with tab:
            draw()

sync_url(state.LEARNING)
