"""The Adversarial page's "fool one input": attack the model (or its robust copy) on one input and show
what changed and what the model says now."""

from __future__ import annotations

import streamlit as st

import dlcore
from dlcore import plots
from ui.adversarial import YOURS
from ui.errors import show_error
from ui.inspect.input import pick_input

ATTACKS = dict(dlcore.ATTACKS.items())


def verdict(model, x, names: list[str]) -> tuple[int, str]:
    _, probs = dlcore.predict(model, x)
    k = int(probs[0].argmax())
    return k, f"{names[k]} ({float(probs[0, k]):.0%})"


def attack_choice(column, key: str, label: str = "Attack", help: str | None = None) -> str:
    help = help or " ".join(f"**{a.title}**: {a.help}" for a in ATTACKS.values())
    return column.radio(
        label, list(ATTACKS), format_func=lambda a: ATTACKS[a].title, horizontal=True, key=key, help=help
    )


def draw_attack(held, models: dict) -> None:
    """One input: original, amplified perturbation and adversarial version, with the model's answers."""
    space = dlcore.InputSpace.for_dataset(held.dataset)
    c1, c2, c3 = st.columns([1, 2, 1.3])
    attack = attack_choice(c1, "adversarial_attack")
    unit = "of the pixel range" if held.is_image else "standard deviations per feature"
    eps = c2.slider(
        f"ε — how far each input value may move ({unit})",
        0.0,
        0.5,
        0.1,
        0.01,
        key="adversarial_eps",
        help="0 changes nothing. For images, 0.1 lets every pixel move by a tenth of black-to-white.",
    )
    target = c3.radio("Model to attack", list(models), key="adversarial_target") if len(models) > 1 else YOURS
    model = models[target]
    names = held.class_names
    picked = pick_input(held, key="adversarial")
    if picked is None:
        return
    # A drawn or uploaded input has no true class: the attack pushes the model off its own answer.
    label = picked.label if picked.label is not None else verdict(model, picked.x, names)[0]
    try:
        adv = dlcore.attack(attack, model, picked.x, label, eps, space)
    except dlcore.DlcoreError as err:
        show_error(err)
        return
    k0, before = verdict(model, picked.x, names)
    k1, after = verdict(model, adv, names)
    if held.is_image:
        raw, raw_adv = held.dataset.denormalize(picked.x)[0], held.dataset.denormalize(adv)[0]
        captions = [f"original: {before}", "perturbation", f"adversarial: {after}"]
        amplify = 0.5 / eps if eps > 0 else 1.0  # the largest change shows as black or white
        st.plotly_chart(
            plots.adversarial_figure(raw, raw_adv - raw, raw_adv, captions, amplify),
            key="adversarial_triplet",
        )
    else:
        change = {"change": adv[0] - picked.x[0]}
        title = "How the attack moved each feature"
        st.plotly_chart(
            plots.feature_attribution_bars(change, list(held.dataset.feature_names), title),
            key="adversarial_delta",
        )
        st.markdown(f"Before: **{before}** · after: **{after}**")
    if k1 != k0:
        st.error(
            f"Fooled: {target} now says **{after}** instead of **{before}**.",
            icon=":material/theater_comedy:",
        )
    elif eps > 0:
        stronger = ATTACKS[attack].stronger
        advice = f"a larger ε, or {ATTACKS[stronger].title}" if stronger else "a larger ε"
        st.success(f"Not fooled at ε = {eps:g}: still **{after}**. Try {advice}.", icon=":material/shield:")
