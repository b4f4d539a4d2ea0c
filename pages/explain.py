"""Explain: why did the model say that? Captum attributions, a sanity check, and a model that cheats."""

import streamlit as st

import dlcore
from dlcore import plots_inspect as plots
from ui.errors import show_error
from ui.frame import require_frame
from ui.inspect.input import pick_input
from ui.inspect.subject import require_subject, snapshot_bar
from ui.inspect_lesson import ensure_lesson_models

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

METHODS = dict(dlcore.EXPLAIN_METHODS.items())
SIGNED = {m.title: m.signed for m in METHODS.values()}
DEFAULT_METHODS = ["saliency", "integrated_gradients", "smoothgrad", "grad_cam"]
LESSON_METHODS = ["saliency", "integrated_gradients", "grad_cam", "hirescam"]
UNSIGNED = [m.title for m in METHODS.values() if not m.signed]  # magnitude maps, named in the caption


def method_help() -> None:
    with st.expander("What do these methods compute?"):
        for method in METHODS.values():
            st.markdown(f"**{method.title}** — {method.help}")


def attributions(model, x, target: int, names: list[str], layer: str | None) -> dict:
    """{method title: attribution of the first input}; a method that cannot run says why instead."""
    out = {}
    for name in names:
        try:
            out[METHODS[name].title] = dlcore.explain(name, model, x, target, layer=layer)[0]
        except dlcore.DlcoreError as err:
            st.warning(err.message, icon=":material/warning:")
    return out


def show_maps(
    held, raw, x, maps: dict, title: str, key: str, signed: dict | None = None, overlay: bool = True
) -> None:
    """Heatmaps beside the image (`raw`), or bars per feature / time step / token of the input `x`."""
    if not maps:
        return
    shape = tuple(held.dataset.input_shape)
    if raw is not None:
        st.plotly_chart(plots.attribution_grid(raw, maps, signed, title=title, overlay=overlay), key=key)
    elif held.dataset.vocab_size is not None:
        tokens = [f"{i}: {int(t)}" for i, t in enumerate(x[0])]
        st.plotly_chart(plots.feature_attribution_bars(maps, tokens, title, "position: token"), key=key)
    elif len(shape) == 2:  # (L, F) sequences: one bar per time step, features summed
        per_step = {k: v.sum(dim=-1) for k, v in maps.items()}
        steps = [f"t{i}" for i in range(shape[0])]
        st.plotly_chart(plots.feature_attribution_bars(per_step, steps, title, "time step"), key=key)
    else:
        names = list(held.dataset.feature_names) or [f"x{i}" for i in range(maps[next(iter(maps))].numel())]
        st.plotly_chart(plots.feature_attribution_bars(maps, names, title), key=key)


def draw_why(held, available: list[str], conv_layers: list[str]):
    """Attributions for one input by the chosen methods; returns the input (the sanity check reuses it)."""
    picked = pick_input(held, key="explain")
    if picked is None:
        return None
    _, probs = dlcore.predict(held.model, picked.x)
    predicted = int(probs[0].argmax())
    names = held.class_names
    c1, c2, c3 = st.columns([2, 3, 2])
    c1.markdown(
        f"{picked.caption}  \nThe model says **{names[predicted]}** ({float(probs[0, predicted]):.0%})."
    )
    choice = c1.selectbox(
        "Explain the class",
        ["predicted"] + names,
        format_func=lambda c: f"predicted ({names[predicted]})" if c == "predicted" else c,
        key="explain_class",
    )
    target = predicted if choice == "predicted" else names.index(choice)
    # Pills that wrap: every method one click away, its name in full (a multiselect scrolled its chips).
    chosen = c2.pills(
        "Methods",
        available,
        selection_mode="multi",
        wrap=True,
        default=[n for n in DEFAULT_METHODS if n in available] or available[:3],
        format_func=lambda n: METHODS[n].title,
        key="explain_methods",
    )
    layer = None
    layer_methods = [METHODS[n].title for n in chosen if METHODS[n].needs_conv_layer]
    if conv_layers and layer_methods:
        layer = c3.selectbox(
            f"{' and '.join(layer_methods)} layer",
            conv_layers,
            index=len(conv_layers) - 1,
            key="explain_layer",
            help="Early layers give sharp maps of simple patterns; the last one is the usual choice.",
        )
    overlay = held.is_image and c3.toggle(
        "Over the picture", value=True, key="explain_overlay", help="Off: the maps alone, on a white ground"
    )
    maps = attributions(held.model, picked.x, target, chosen, layer)
    title = f"Evidence for class {names[target]}"
    show_maps(held, picked.raw, picked.x, maps, title, "explain_grid", SIGNED, overlay)
    if picked.raw is not None and maps:
        st.caption(
            "Red: raised the score of this class; blue: lowered it (signed methods). "
            f"{', '.join(UNSIGNED[:-1])} and {UNSIGNED[-1]} show how much, not which way (darker = more). "
            "Each map is scaled to its own maximum; over the picture, the colour fades out where a method "
            "sees nothing."
        )
    method_help()
    return picked


def draw_sanity(held, picked, available: list[str]) -> None:
    """The model-randomisation test on the input of the first tab (or the first test example)."""
    st.markdown(
        "If a map is really about what the model **learned**, it must change when the learned weights are "
        "thrown away. Here the layers are re-initialised one by one from the output back to the input "
        "(Adebayo et al., 2018, *Sanity Checks for Saliency Maps*). A map that stays the same was drawing "
        "the input, not the model's reasoning."
    )
    c1, c2 = st.columns([2, 1], vertical_alignment="bottom")
    method = c1.selectbox(
        "Method to test", available, format_func=lambda n: METHODS[n].title, key="explain_sanity_method"
    )
    if c2.button("Randomise the layers", icon=":material/casino:", key="explain_sanity_run"):
        x = picked.x if picked is not None else held.dataset.test[0][:1]
        raw = picked.raw if picked is not None else None
        if raw is None and held.is_image:
            raw = held.dataset.denormalize(x)[0]
        _, probs = dlcore.predict(held.model, x)
        try:
            stages = dlcore.randomisation_check(method, held.model, x, int(probs[0].argmax()))
        except dlcore.DlcoreError as err:
            show_error(err)
        else:
            stages = [dict(s, attribution=s["attribution"][0]) for s in stages]
            st.session_state["explain_sanity"] = (method, stages, raw, x)
    if "explain_sanity" not in st.session_state:
        return
    method, stages, raw, x = st.session_state["explain_sanity"]
    spec = METHODS[method]
    if raw is not None:
        st.plotly_chart(
            plots.randomisation_figure(raw, stages, spec.title, spec.signed), key="explain_sanity_fig"
        )
    else:
        maps = {f"{s['stage']} ({s['similarity']:.2f})": s["attribution"] for s in stages}
        show_maps(held, None, x, maps, f"{spec.title} as the layers are randomised", "explain_sanity_fig")
    final = round(stages[-1]["similarity"], 2) + 0.0  # + 0.0: never "-0.00"
    verdict = (
        "it depends on the weights, so it can tell you something about the model"
        if final < 0.5
        else "it barely depends on the weights: treat it as a picture of the input, not of the model"
    )
    st.markdown(
        f"With every layer random, the **{spec.title}** map's similarity to the trained model's is "
        f"**{final:.2f}** (1 = the same ranking of the inputs, 0 = unrelated): {verdict}."
    )


def draw_lesson() -> None:
    """The cheating-model lesson: a cue-trained and an honest CNN, where each one looks."""
    st.markdown(
        "In the **shapes** dataset with `spurious_cue` on, a small white square in a corner gives the class "
        "away in every training image — but in the test images it sits in a random corner. A network takes "
        "the shortcut. Train two identical CNNs, one with the cue and one without, and see where each one "
        "looks."
    )
    lesson = ensure_lesson_models("explain_lesson_train")
    if lesson is None:
        return
    models = {
        "Cheater (trained with the cue)": lesson["cheater"],
        "Honest (trained without)": lesson["honest"],
    }
    data = lesson["cheater_data"]  # training images carry the mark at their class's corner
    test_x, test_y = data.test  # ... and test images in a random corner
    for column, (title, model) in zip(st.columns(2), models.items(), strict=True):
        accuracy = float((dlcore.predict(model, test_x)[0] == test_y).float().mean())
        column.metric(f"{title.split(' (')[0]}: test accuracy", f"{accuracy:.0%}")
    c1, c2 = st.columns([3, 1])
    index = c1.slider("Training image", 0, len(data.train[0]) - 1, 0, key="explain_lesson_index")
    conv_layers = dlcore.conv_layer_names(lesson["cheater"])
    layer = c2.selectbox(
        "Grad-CAM and HiResCAM layer",
        conv_layers,
        index=len(conv_layers) - 1,
        key="explain_lesson_layer",
        help="Both maps always look at the same layer, so only the averaging differs.",
    )
    x, y = data.train[0][index : index + 1], int(data.train[1][index])
    raw = data.denormalize(x)[0]
    for role, (title, model) in zip(("cheater", "honest"), models.items(), strict=True):
        maps = {METHODS[m].title: dlcore.explain(m, model, x, y, layer=layer)[0] for m in LESSON_METHODS}
        captions = {
            t: f"{dlcore.attribution_mass(a, data.cue_region):.0%} in the corners" for t, a in maps.items()
        }
        st.plotly_chart(
            plots.attribution_grid(raw, maps, SIGNED, title, captions), key=f"explain_lesson_{role}"
        )
    st.markdown(
        "Saliency and Integrated Gradients of the cheater pile up on the corner mark; the honest model's "
        "follow the shape. **Grad-CAM** averages each feature map's gradient over the whole image into one "
        "weight, so it lights every bright patch the map responds to — the mark, but the shape just as much: "
        "it cannot tell you which of the two the decision rested on. **HiResCAM** skips the averaging and "
        "keeps the gradient where it is: for the cheater it points at the mark, for the honest model at the "
        "shape. Same layer, same gradients — one average made the difference. No single map tells the whole "
        "story."
    )


st.title(":material/lightbulb: Explain")
st.caption(f"Why did the model say that? {len(METHODS)} ways to ask — and a test of which answers to trust.")

held = require_subject("explain", classifier=True)
if held is not None:
    held = snapshot_bar(held, key="explain_snapshot_button")
    why, sanity, cheating = st.tabs(["Why this prediction?", "Sanity check", "The cheating model"])
    conv_layers = dlcore.conv_layer_names(held.model)
    available = [n for n in METHODS if conv_layers or not METHODS[n].needs_conv_layer]
    with why:
        picked = draw_why(held, available, conv_layers)
    with sanity:
        draw_sanity(held, picked, available)
    with cheating:
        draw_lesson()
