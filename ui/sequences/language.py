"""The language tab: a tiny GPT learns the shipped fables one character at a time; a prompt box, the next
character's probabilities as bars and a continuation sampled at a temperature follow it while it trains
(dlcore.sequences.language)."""

from __future__ import annotations

import dataclasses

import streamlit as st

import dlcore
from dlcore import plots
from ui import state as keys
from ui.sequences.controls import param_widget
from ui.sequences.tab_run import TabRun
from ui.sequences.tabs import Tab, register_tab, tab_state
from ui.state import bind
from ui.steady_chart import steady_chart
from ui.text import plain

language = dlcore.sequences.language
LANGUAGE = tab_state("language")
PARAM = {param.name: param for param in language.PARAMS}
KEY = "seq-language"
POLL_S = 1.0  # a continuation costs a forward pass per character: once a second while it trains


def _begin(state):
    ds = language.dataset(state)
    return language.model_spec(state, ds), ds, language.train_config(state)


RUN = TabRun(keys.SEQ_LANGUAGE_RUN, LANGUAGE, _begin)


def _views(job) -> None:
    state = LANGUAGE.current()
    if job is None:
        try:  # a prompt the model could never read is named before any training
            language.encode(state.prompt, language.vocabulary())
        except dlcore.DataError as err:
            st.warning(err.message, icon=":material/keyboard:")
        st.info(
            "Press Start: the model reads the fables and learns to guess each next character. Its guesses "
            "for your prompt show here while it learns.",
            icon=":material/info:",
        )
        return
    trained = RUN.started()
    try:
        view = language.language_view(job.snapshot(), state, job.dataset.class_names)
    except dlcore.DataError as err:
        st.warning(err.message, icon=":material/keyboard:")
        return
    progress = job.progress()
    epochs = progress.get("epochs") or "∞"
    st.caption(f"Epoch {progress.get('epoch', 0)}/{epochs}, reading {trained.context} characters at a time")
    bars, text = st.columns([1, 1.1])
    with bars:
        steady_chart(plots.next_token_bars(view.probabilities, view.vocabulary), key=f"{KEY}-next")
    with text:
        st.markdown(f"{emphasised(state.prompt)}{plain(view.continuation)}")
    steady_chart(plots.loss_curve(job.metrics(), job.epoch_metrics()), key=f"{KEY}-loss")


def emphasised(text: str) -> str:
    """`text` in bold as markdown (whose bold cannot start or end with a space), character for character."""
    core = text.strip()
    if not core:
        return plain(text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
    return f"{lead}**{plain(core)}**{trail}"


def _prompt_row(state) -> None:
    prompt, temperature, again = st.columns([2, 1.4, 0.8], vertical_alignment="bottom")
    with prompt:
        bind(f"{KEY}.prompt", state.prompt)
        st.text_input(
            "Prompt",
            help=PARAM["prompt"].help,
            **LANGUAGE.on_change(f"{KEY}.prompt", lambda s, text: dataclasses.replace(s, prompt=text)),
        )
    with temperature:
        param = PARAM["temperature"]
        bind(f"{KEY}.temperature", state.temperature)
        st.slider(
            "Temperature",
            param.min,
            param.max,
            step=0.05,
            help=param.help,
            **LANGUAGE.on_change(f"{KEY}.temperature", lambda s, t: dataclasses.replace(s, temperature=t)),
        )
    with again:
        st.button(
            "Sample again",
            icon=":material/casino:",
            key=f"{KEY}-again",
            on_click=LANGUAGE.update,
            args=(lambda s: dataclasses.replace(s, draw=s.draw + 1),),
        )


def draw_language() -> None:
    """The run bar with the model's settings, the prompt row, then the live views."""
    state = LANGUAGE.current()
    with RUN.bar(KEY):
        with st.popover("Model and training", icon=":material/tune:"):
            for name in ("context", "layers", "heads", "width", "lr", "epochs", "seed"):
                param_widget(LANGUAGE, PARAM[name], getattr(state, name), f"{KEY}.{name}")
    _prompt_row(state)
    RUN.live(_views, seconds=POLL_S)


register_tab(Tab("language", "Language model", draw_language, LANGUAGE))
