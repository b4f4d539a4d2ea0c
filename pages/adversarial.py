"""Adversarial: how little it takes to fool a network, and how training on attacks makes it robust."""

import streamlit as st

import dlcore
from dlcore import plots_inspect as plots
from ui.errors import show_error
from ui.inspect_input import pick_input
from ui.inspect_state import require_subject, snapshot_bar

EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
CURVE_EXAMPLES = 500  # test images per point of the curve: enough for a smooth line, fast on a CPU
CURVES_KEY = "adversarial_curves"
ROBUST_KEY = "adversarial_robust"
ATTACKS = dict(dlcore.ATTACKS.items())
YOURS, ROBUST = "your model", "adversarially trained copy"


def verdict(model, x, names: list[str]) -> tuple[int, str]:
    _, probs = dlcore.predict(model, x)
    k = int(probs[0].argmax())
    return k, f"{names[k]} ({float(probs[0, k]):.0%})"


def draw_attack(held, model, target: str, attack: str, eps: float, space) -> None:
    """One input: original, amplified perturbation and adversarial version, with the model's answers."""
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


def draw_curve(held, models: dict, attack: str, space, robust: dict | None) -> None:
    """Test accuracy against ε for every model on the page, measured on demand, and what it shows."""
    st.subheader("Accuracy as the attack grows")
    x, y = held.dataset.test[0][:CURVE_EXAMPLES], held.dataset.test[1][:CURVE_EXAMPLES]
    st.caption(
        f"Each of {len(y)} test examples attacked at each ε; the accuracy left over. "
        "A steep drop means a brittle model."
    )
    if st.button("Measure on the test split", icon=":material/trending_down:", key="adversarial_measure"):
        # The ε the copy was trained against is measured too: the summary reads the curves there.
        epsilons = sorted({*EPSILONS, robust["eps"]}) if robust is not None else EPSILONS
        with st.spinner("Attacking the test split…"):
            frames = {
                label: dlcore.accuracy_under_attack(model, x, y, epsilons, attack, space)
                for label, model in models.items()
            }
        rows = [
            dict(r, label=f"{label}, {ATTACKS[attack].title}")
            for label, frame in frames.items()
            for r in frame.to_dict("records")
        ]
        summary = None
        if robust is not None:
            summary = dlcore.robustness_summary(frames[YOURS], frames[ROBUST], robust["eps"])
            summary = f"Measured with {ATTACKS[attack].title} on {len(y)} test examples. {summary}"
        st.session_state[CURVES_KEY] = {"job": held.job, "rows": rows, "summary": summary}
    curves = st.session_state.get(CURVES_KEY)
    if curves is not None and curves["job"] is held.job:
        st.plotly_chart(plots.robustness_curve(curves["rows"]), key="adversarial_curve")
        if curves["summary"]:
            st.markdown(curves["summary"])


def draw_robust_training(held, space, robust: dict | None) -> None:
    """Adversarial training of a copy, with its own short loop (see dlcore.adversarial_training)."""
    st.subheader("Adversarial training")
    st.markdown(
        "Fine-tune a copy of the model on batches that are half clean and half attacked (FGSM from a random "
        "start, *fast adversarial training*). The attack has to be recomputed with the current weights "
        "before "
        "every step, which the ordinary training loop does not do, so this runs its own short loop here. "
        "Measure again afterwards to see how much more slowly, if at all, the trained copy's curve falls."
    )
    a1, a2 = st.columns(2)
    train_eps = a1.slider("ε to train against", 0.02, 0.3, 0.1, 0.01, key="adversarial_train_eps")
    steps = a2.slider("Steps", 100, 1000, 300, 50, key="adversarial_train_steps")
    if st.button("Train a robust copy", icon=":material/shield:", key="adversarial_train"):
        x, y = held.dataset.train
        with st.spinner(f"{steps} steps of adversarial training…"):
            try:
                robust_model = dlcore.adversarial_training(held.model, x, y, train_eps, space, steps=steps)
            except dlcore.DlcoreError as err:
                show_error(err)
                return
        st.session_state[ROBUST_KEY] = {"job": held.job, "model": robust_model, "eps": train_eps}
        st.session_state.pop(CURVES_KEY, None)
        st.rerun()
    if robust is not None:
        st.success(
            f"Copy trained against ε = {robust['eps']:g}. Press *Measure on the test split* to compare "
            "the two curves, or attack it above.",
            icon=":material/shield:",
        )


st.title(":material/theater_comedy: Adversarial examples")
st.caption("Change every pixel by a hair, in just the wrong direction, and the network sees something else.")

held = require_subject("adversarial", classifier=True)
if held is not None:
    held = snapshot_bar(held, key="adversarial_snapshot_button")
    space = dlcore.InputSpace.for_dataset(held.dataset)
    robust = st.session_state.get(ROBUST_KEY)
    if robust is not None and robust["job"] is not held.job:
        robust = st.session_state[ROBUST_KEY] = None  # a new model: the robust copy belonged to the old one

    c1, c2 = st.columns([1, 2])
    attack = c1.radio(
        "Attack",
        list(ATTACKS),
        format_func=lambda a: ATTACKS[a].title,
        horizontal=True,
        key="adversarial_attack",
    )
    c1.caption(ATTACKS[attack].help)
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
    models = {YOURS: held.model}
    if robust is not None:
        models[ROBUST] = robust["model"]
    target = YOURS
    if robust is not None:
        target = st.radio("Model to attack", list(models), horizontal=True, key="adversarial_target")

    draw_attack(held, models[target], target, attack, eps, space)
    draw_curve(held, models, attack, space, robust)
    draw_robust_training(held, space, robust)
