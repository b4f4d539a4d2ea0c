"""Adversarial: how little it takes to fool a network, and how training on attacks makes it robust."""

import streamlit as st

import dlcore
from dlcore import plots
from ui import adversarial as robust_ui
from ui.errors import show_error
from ui.frame import require_frame
from ui.inspect_input import pick_input
from ui.inspect_state import require_subject, snapshot_bar
from ui.live import live
from ui.style import compact_top

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

EPSILONS = [0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
CURVE_EXAMPLES = 500  # test images per point of the curve: enough for a smooth line, fast on a CPU
CURVES_KEY = "adversarial_curves"
ATTACKS = dict(dlcore.ATTACKS.items())
RECIPE_OPTIONS = {p.name: p for p in dlcore.RECIPES.get("adversarial").params}
YOURS, ROBUST = "your model", "adversarially trained copy"


def verdict(model, x, names: list[str]) -> tuple[int, str]:
    _, probs = dlcore.predict(model, x)
    k = int(probs[0].argmax())
    return k, f"{names[k]} ({float(probs[0, k]):.0%})"


def attack_choice(column, key: str, label: str = "Attack", help: str | None = None) -> str:
    help = help or " ".join(f"**{a.title}**: {a.help}" for a in ATTACKS.values())
    return column.radio(
        label, list(ATTACKS), format_func=lambda a: ATTACKS[a].title, horizontal=True, key=key, help=help
    )


def draw_attack(held, models: dict, space) -> None:
    """One input: original, amplified perturbation and adversarial version, with the model's answers."""
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


def draw_curve(held, models: dict, space, robust: dict | None) -> None:
    """Test accuracy against ε for every model on the page, measured on demand, and what it shows."""
    x, y = held.dataset.test[0][:CURVE_EXAMPLES], held.dataset.test[1][:CURVE_EXAMPLES]
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    attack = attack_choice(c1, "adversarial_curve_attack")
    c2.caption(
        f"Each of {len(y)} test examples attacked at each ε; the accuracy left over. "
        "A steep drop means a brittle model."
    )
    measured = (held.job, robust["job"] if robust is not None else None)
    if st.button("Measure on the test split", icon=":material/trending_down:", key="adversarial_measure"):
        # The ε the copy was trained against is measured too: the summary reads the curves there.
        epsilons = sorted({*EPSILONS, robust["eps"]}) if ROBUST in models else EPSILONS
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
        if ROBUST in models:
            summary = dlcore.robustness_summary(frames[YOURS], frames[ROBUST], robust["eps"])
            summary = f"Measured with {ATTACKS[attack].title} on {len(y)} test examples. {summary}"
        st.session_state[CURVES_KEY] = {"models": measured, "rows": rows, "summary": summary}
    curves = st.session_state.get(CURVES_KEY)
    if curves is not None and curves["models"] == measured:  # measured on these models (not an older copy)
        st.plotly_chart(plots.robustness_curve(curves["rows"]), key="adversarial_curve")
        if curves["summary"]:
            st.markdown(curves["summary"])


def draw_robust_training(held, robust_status: str | None) -> None:
    """Adversarial training of a copy of the model, as a background job with its own run bar.
    `robust_status`: the copy's job status when the page was drawn (its buttons are drawn for it)."""
    # The settings fold away, so the run bar and the live charts are what the class sees.
    settings = st.expander("How the copy is trained", icon=":material/tune:")
    settings.caption(
        "A copy of the model, with its weights as they are now, learns from every batch twice: as it is, "
        "and attacked with the copy's current weights. Watch its accuracy under attack climb, then compare "
        "both curves under *Accuracy as the attack grows*."
    )
    a1, a2, a3, a4 = settings.columns(4)
    options = {
        "epsilon": a1.slider("ε to train against", 0.02, 0.3, 0.1, 0.01, key="adversarial_train_eps"),
        "attack": attack_choice(
            a2, "adversarial_train_attack", "Attack while training", RECIPE_OPTIONS["attack"].help
        ),
        "clean_fraction": a3.slider(
            "Clean share of the loss",
            0.0,
            1.0,
            0.5,
            0.1,
            key="adversarial_clean_fraction",
            help=RECIPE_OPTIONS["clean_fraction"].help,
        ),
    }
    epochs = a4.number_input("Epochs", 1, 100, 10, key="adversarial_train_epochs")
    robust_ui.draw_run_bar(held, options, epochs)
    live(robust_ui.draw_live, drawn_status=robust_status, job_of=robust_ui.robust_job)


st.title(":material/theater_comedy: Adversarial examples")
compact_top()  # on a 1280×720 projector each tab's picture or live charts stay above the fold
st.caption("Change every pixel by a hair, in just the wrong direction, and the network sees something else.")

held = require_subject("adversarial", classifier=True)
if held is not None:
    held = snapshot_bar(held, key="adversarial_snapshot_button")
    space = dlcore.InputSpace.for_dataset(held.dataset)
    robust = robust_ui.forget_if_other_model(held.job)  # a new model: the copy belonged to the old one
    robust_status = robust["job"].status if robust is not None else None
    models = {YOURS: held.model}
    copy = robust_ui.snapshot()  # the copy's weights as they are now (it may still be training)
    if copy is not None:
        models[ROBUST] = copy

    fool, curve, training = st.tabs(
        ["Fool one input", "Accuracy as the attack grows", "Adversarial training"]
    )
    with fool:
        draw_attack(held, models, space)
    with curve:
        draw_curve(held, models, space, robust)
    with training:
        draw_robust_training(held, robust_status)
