"""Adversarial: how little it takes to fool a network, and how training on attacks makes it robust."""

import streamlit as st

from ui.adversarial.attack import draw_attack
from ui.adversarial.curve import draw_curve
from ui.adversarial.robust import draw_robust_training, forget_if_other_model, models
from ui.frame import require_frame
from ui.inspect.subject import require_subject, snapshot_bar
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

st.title(":material/theater_comedy: Adversarial examples")
compact_top()  # on a 1280×720 projector each tab's picture or live charts stay above the fold
st.caption("Change every pixel by a hair, in just the wrong direction, and the network sees something else.")

held = require_subject("adversarial", classifier=True)
if held is not None:
    held = snapshot_bar(held, key="adversarial_snapshot_button")
    robust = forget_if_other_model(held.job)  # a new model: the copy belonged to the old one
    robust_status = robust["job"].status if robust is not None else None  # what its run bar is drawn for
    attacked = models(held)  # the copy with its weights as they are now (it may still be training)

    fool, curve, training = st.tabs(
        ["Fool one input", "Accuracy as the attack grows", "Adversarial training"]
    )
    with fool:
        draw_attack(held, attacked)
    with curve:
        draw_curve(held, attacked, robust)
    with training:
        draw_robust_training(held, robust_status)
