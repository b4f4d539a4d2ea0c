"""The Generative page: pick data and a family of generative model (autoencoder, VAE, GAN, diffusion),
press Play and watch it learn to make data, on the real engine.

Laid out for a 1280×720 projector: the run bar with the data and model pickers on top, the family's live
views on the right above the fold, the settings in a narrow column on the left."""

import streamlit as st

from ui.frame import require_frame
from ui.generative import runs
from ui.generative.bar import player_bar
from ui.generative.controls import data_settings, networks
from ui.generative.families import FAMILIES
from ui.generative.state import GENERATIVE
from ui.generative.views import views
from ui.state import sync_url

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

state = GENERATIVE.current()
st.title(
    "Generative",
    help="Models that make data: autoencoders, VAEs, GANs and diffusion, trained live on 2-D points or "
    "small images. Real PyTorch underneath.",
)
notices = st.container()  # filled last: a run that reruns the page on its way keeps them for the next one

player_bar(state)
sync_url(GENERATIVE)
run = runs.sync(state)

settings, shown = st.columns([1, 2.8], gap="medium")
with shown:
    views(state, run)
with settings:
    FAMILIES[state.family].draw_options(state)
    data_settings(state)
    with st.expander("Networks", icon=":material/hub:"):
        networks(state)
with notices:
    for notice in GENERATIVE.take_notices():
        st.warning(notice, icon="⚠️")
