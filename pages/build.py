"""Build: drag layers into a model, set their parameters, and see shapes and parameter counts live."""

import json

import streamlit as st

import dlcore
from dlcore import plots
from ui import forms, model, palette
from ui.errors import error_at_layer, error_elsewhere, show_error
from ui.frame import require_frame
from ui.style import inject_css
from ui.text import plain
from ui.train import presets as train_presets
from ui.uploads import parse_once

require_frame()  # a fresh server's first deep link runs this file alone: go through app.py

PALETTE_HEIGHT_PX = 620

st.title(":material/construction: Build a network")
st.caption(
    "Drag layer cards from the palette into your model, click a layer to set its parameters, and watch "
    "the tensor shapes flow. Everything here is real PyTorch: press **Show PyTorch code** to see it."
)

spec = model.model_dict()
catalogue = dlcore.layer_catalogue()
presets = dlcore.preset_catalogue()


def load_preset() -> None:
    key = st.session_state.get("preset_choice")
    if key:
        model.set_model(presets[key].spec, preset=key)
        train_presets.use_preset(presets[key])
        st.session_state["preset_loaded"] = key
    st.session_state["preset_choice"] = None  # the pills act as buttons: nothing stays selected


def clear() -> None:
    model.clear_model()
    st.session_state.pop("preset_loaded", None)


st.pills(
    "Start from a preset",
    sorted(presets, key=lambda key: presets[key].name.lower()),
    format_func=lambda key: presets[key].name,
    key="preset_choice",
    on_change=load_preset,
    help="Replaces the model with a classic architecture and sets the Train page's dataset and settings "
    "to ones it learns well with. Download your model first to keep it.",
)
loaded = model.current_preset()
if loaded is not None and st.session_state.get("preset_loaded") == loaded.key:
    st.caption(f"Loaded **{loaded.name}**: {loaded.spec.description} {train_presets.settings_text(loaded)}")

ids = model.layer_ids()
selected = model.selected_layer_id()
inject_css(palette.MODEL_CARD_PREFIX + selected if selected else None)

palette_col, model_col, detail_col = st.columns([1.25, 1.4, 1.45], gap="medium")

# Inputs that change the model are drawn first, so the cards and shapes below show this run's model.
with model_col:
    title_col, clear_col = st.columns([3, 1], vertical_alignment="bottom")
    title_col.subheader("Your model")
    clear_col.button(
        "Clear",
        icon=":material/delete_sweep:",
        type="tertiary",
        help="Start a new model of your own: no layers, no name (the input shape stays).",
        on_click=clear,
    )
    name_col, shape_col = st.columns([1, 1])
    with name_col:
        # seeded here, not through `value`: a browser would send the old name back after a preset or Clear
        st.session_state.setdefault("model.name", spec.get("name", ""))
        name = st.text_input(
            "Model name",
            key="model.name",
            placeholder="your model",
            help="What the pages, the downloads and the exported PyTorch class call this model.",
        )
    if name.strip() != spec.get("name", ""):
        model.set_model_field("name", name.strip())
    shape_param = dlcore.Param(
        "input_shape",
        "intlist",
        [1, 8, 8],
        "Size of one example without the batch: (channels, height, width) for images, (features,) for "
        "tables and 2-D points, (length, features) for sequences, (length,) for tokens.",
        min=1,
    )
    with shape_col:
        shape_raw = forms.param_widget(shape_param, spec["input_shape"], "model.input_shape")
    try:
        model.set_model_field(
            "input_shape", list(shape_param.coerce(forms.parse_value(shape_param, shape_raw)))
        )
    except ValueError as err:
        st.error(plain(err), icon="✏️")

with detail_col:
    totals = st.container()
    if selected is None:
        st.info("Click :material/edit: on a layer to set its parameters.", icon=":material/left_click:")
    else:
        index = ids.index(selected)
        layer = spec["layers"][index]
        entry = catalogue.get(layer["type"])
        st.subheader(f"Layer {index + 1}: {plain(layer['type'])}")
        if entry is None:
            show_error(
                f"'{layer['type']}' is not a known layer type: remove it and add one from the palette."
            )
        else:
            st.caption(entry.help)
            values, _ = forms.param_form(entry.params, layer, key_prefix=selected)
            # keep the spec short: only values the layer had or the student changed from the default
            defaults = {p.name: p.default for p in entry.params}
            model.update_layer(
                selected, {k: v for k, v in values.items() if k in layer or forms.differs(v, defaults[k])}
            )
            if "layers" in layer:
                st.caption("Layers inside this block (JSON, same form as the model's layers):")
                inner_text = st.text_area(
                    "inner layers",
                    json.dumps(layer["layers"], indent=1),
                    key=f"{selected}.layers",
                    height=180,
                )
                try:
                    model.update_layer(selected, {"layers": json.loads(inner_text)})
                except json.JSONDecodeError as err:
                    st.error(
                        f"The block's layers stop being valid JSON at line {err.lineno}, column {err.colno}: "
                        "fix that spot (the last good version is kept)."
                    )
                except (RecursionError, ValueError):  # brackets nested hundreds deep; thousands of digits
                    st.error("The block's layers are not a list of layers: the last good version is kept.")


analysis = model.analyse(spec)
totals.metric("Trainable parameters", f"{analysis.total_params:,}")

with model_col:
    top_error = error_elsewhere(analysis.error)
    if not spec["layers"]:
        st.info("An empty model: drag a first layer in from the palette.", icon=":material/left_click:")
    elif top_error is not None:
        show_error(top_error)

    rows = analysis.summary[analysis.summary["depth"] == 0] if analysis.summary is not None else None
    with st.container(key=palette.MODEL_CONTAINER, border=True):
        for index, (layer_id, layer) in enumerate(zip(ids, spec["layers"], strict=True)):
            with st.container(border=True, key=palette.MODEL_CARD_PREFIX + layer_id):
                shape = ""
                if rows is not None and index < len(rows):
                    shape = " → " + "×".join(str(s) for s in rows.iloc[index]["output_shape"])
                with st.container(horizontal=True, vertical_alignment="center", gap="small"):
                    st.markdown(f"**{index + 1} · {plain(layer['type'])}**{shape}", width="stretch")
                    st.button(
                        "",
                        icon=":material/edit:",
                        type="tertiary",
                        key=f"edit-{layer_id}",
                        help="Edit this layer's parameters",
                        on_click=model.select_layer,
                        args=(layer_id,),
                    )
                    st.button(
                        "",
                        icon=":material/close:",
                        type="tertiary",
                        key=f"remove-{layer_id}",
                        help="Remove this layer",
                        on_click=model.remove_layer,
                        args=(layer_id,),
                    )
                culprit = error_at_layer(analysis.error, index)
                if culprit is not None:
                    show_error(culprit)


with palette_col:
    st.subheader("Palette")
    # scrolls on its own, so every card can be dragged to the model without scrolling the page mid-drag
    with st.container(height=PALETTE_HEIGHT_PX, border=False):
        palette.draw_palette()

drop = palette.drag_and_drop()
if drop is not None:
    if drop.layer_type is not None:
        model.insert_layer(drop.to_index, model.new_layer(drop.layer_type))
    else:
        model.move_layer(drop.from_index, drop.to_index)
    st.rerun()

with model_col:
    add_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    add_type = add_col.selectbox("Or add a layer at the end", sorted(catalogue), index=None, key="add_type")
    if button_col.button("Add", disabled=add_type is None):
        model.insert_layer(len(spec["layers"]), model.new_layer(add_type))
        st.rerun()

if analysis.summary is not None:
    categories = {name: entry.category for name, entry in catalogue.items()}
    error_index = None if analysis.error is None else getattr(analysis.error, "layer_index", None)
    st.plotly_chart(
        plots.network_diagram(analysis.summary, spec["input_shape"], categories, error_index),
        key="network_diagram",
        config={"displayModeBar": False},
    )
    with detail_col:
        st.markdown("**Shapes and parameters**")
        table = analysis.summary.assign(
            output_shape=analysis.summary["output_shape"].map(lambda s: "×".join(map(str, s))),
            layer=analysis.summary["name"].map(lambda n: "  " * n.count(".") + n),
        )[["layer", "output_shape", "params", "macs"]]
        st.dataframe(table, hide_index=True, width="stretch")
        if analysis.error is not None:
            st.caption("The table and diagram show the layers up to the one that does not fit.")

with st.expander("Show PyTorch code"):
    if analysis.error is None:
        code = dlcore.to_pytorch_code(model.model_spec())
        st.code(code, language="python")
        st.download_button("Download model.py", code, file_name="model.py", mime="text/x-python")
    else:
        st.info(
            "The code appears once the model builds: fix the problem marked above first.",
            icon=":material/build:",
        )

st.subheader("Save and load")
save_col, load_col = st.columns(2)
save_col.download_button(
    "Download spec (JSON)",
    json.dumps(spec, indent=2),
    file_name=f"{model.file_stem(spec.get('name', ''))}.json",
    mime="application/json",
    help="A plain JSON description of the architecture: share it, or upload it again later.",
)
upload = load_col.file_uploader("Upload a spec (JSON)", type=["json"], key="spec_upload")
if upload is not None:
    parsed = parse_once(upload, lambda f: dlcore.ModelSpec.from_json(f.getvalue()), "spec_upload_parsed")
    if parsed.error is not None:
        load_col.error(
            plain(f"{upload.name} was not loaded, your model is unchanged. {parsed.error.message}"),
            icon=":material/description:",
        )
    elif parsed.fresh:
        model.set_model(parsed.value)
        st.session_state.pop("preset_loaded", None)
        train_presets.use_dataset_of(parsed.value)
        st.rerun()
