"""The Train page trains every recipe: each preset family starts from Start, logs each role's losses, and
shows what its model makes while it trains; a model that does not fit its role is explained, not run."""

import dataclasses
import json

import pytest

import dlcore
from tests.ui.build.support import built, edit_built
from tests.ui.train.test_page import button, job_of, load_preset, wait_until
from ui.state import DOWNLOADS
from ui.train.state import TRAIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# Each recipe preset: the per-role columns its metrics gain, and how its live view beside the loss chart
# draws what the model makes (generated points over the data, a grid of images, a table of answers).
FAMILIES = {
    "gan_generator": ({"train_generator_loss", "train_discriminator_loss"}, "scatter"),
    "gan_discriminator": ({"train_generator_loss", "train_discriminator_loss"}, "scatter"),
    "diffusion_denoiser": ({"train_loss"}, "scatter"),
    "vae_digits": ({"train_reconstruction", "train_kl"}, "heatmap"),
    "transformer_lm": ({"train_loss"}, "table"),
}


def live_figures(at) -> dict[str, dict]:
    """The figures of the page's steady charts (custom components, unknown to AppTest), by key."""
    figures = {}

    def walk(node):
        for child in node.children.values() if isinstance(getattr(node, "children", None), dict) else []:
            if getattr(child.proto, "component_name", "") == "steady_chart":
                figures[child.key] = json.loads(json.loads(child.proto.json)["figure"])
            walk(child)

    walk(at.main)
    return figures


@pytest.mark.parametrize("key", sorted(FAMILIES))
def test_each_recipe_preset_trains_from_the_page_with_its_roles_losses_and_its_live_view(train, key):
    at = train
    load_preset(at, key)
    assert not at.error, [e.value for e in at.error]
    at.number_input(key="train.epochs").set_value(2).run()
    button(at, "Start").click().run()
    assert not at.exception
    job = job_of(at)
    assert job.wait(120)
    at.run()
    assert not at.exception and job.status == "finished", job.error
    columns, view = FAMILIES[key]
    assert columns <= set(job.metrics().columns)
    figures = live_figures(at)
    assert "sample_chart" in figures and "accuracy_chart" not in figures, sorted(figures)
    assert figures["sample_chart"]["data"][-1]["type"] == view
    if len(columns) > 1:  # every role's losses on one chart
        names = {trace.get("name") for trace in figures["loss_chart"]["data"]}
        assert {c.removeprefix("train_").replace("_", " ") for c in columns} <= names


def test_loading_either_half_of_a_gan_shows_the_pair_and_trains_both(train):
    at = train
    load_preset(at, "gan_discriminator")
    assert at.selectbox(key="train.role").value == "discriminator"
    team = [m.value for m in at.markdown if m.value.startswith(("**Generator**", "**Discriminator**"))]
    assert any("GAN generator" in t and "parameters" in t for t in team), team
    assert any("GAN discriminator" in t for t in team)
    assert "GAN generator** + **GAN discriminator" in at.caption[0].value or "+" in at.caption[0].value
    button(at, "Start").click().run()
    job = job_of(at)
    assert set(job.roles) == {"generator", "discriminator"}


def test_a_generator_whose_output_is_not_the_datas_shape_names_the_role_and_links_to_build(train):
    at = train
    load_preset(at, "gan_generator")
    edit_built(at, lambda spec: spec["layers"][-1].update(out_features=3))
    at.run()
    assert not at.exception
    assert any("generator" in e.value and "out_features" in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert button(at, "Start").disabled
    links = [link.proto.label for link in at.get("page_link")]
    assert "Open the Build page to change the model" in links  # where the change is made
    assert built(at)["layers"][-1]["out_features"] == 3  # nothing the student built is lost


def test_a_missing_partner_is_offered_in_one_click(train):
    at = train
    load_preset(at, "gan_generator")
    at.session_state[TRAIN.key] = dataclasses.replace(at.session_state[TRAIN.key], partners={})
    at.run()
    assert any("discriminator" in e.value for e in at.error)
    button(at, "Use the GAN discriminator").click().run()
    assert not at.exception and not at.error
    assert not button(at, "Start").disabled


def test_the_recipe_choice_offers_the_recipes_made_for_the_datas_task_and_auto_says_what_it_picks(train):
    at = train  # digits: a multiclass dataset
    recipe = at.selectbox(key="train.recipe")
    made_for_classes = [k.title for _, k in dlcore.RECIPES.items() if "multiclass" in k.tasks and not k.lab]
    assert recipe.value == "auto" and recipe.options == ["auto (Supervised)", *made_for_classes]
    assert "Language model" not in recipe.options and "GAN" in recipe.options  # a GAN learns the images


def test_options_of_the_chosen_recipe_are_widgets_from_its_params(train):
    at = train
    at.selectbox(key="train.recipe").set_value("vae").run()
    beta = at.number_input(key="train.recipe.vae.beta")
    assert beta.value == 1.0 and beta.help
    beta.set_value(4.0).run()
    assert at.session_state[TRAIN.key].settings["recipe_options"] == {"beta": 4.0}


def test_a_classifier_keeps_its_loss_and_accuracy_charts(train):
    at = train  # digits with the Digits MLP, as a new tab opens
    at.number_input(key="train.epochs").set_value(2).run()
    button(at, "Start").click().run()
    assert job_of(at).wait(60)
    at.run()
    figures = live_figures(at)
    assert "sample_chart" not in figures and figures["accuracy_chart"]["data"]
    assert figures["loss_chart"]["layout"]["title"]["text"] == "Loss"  # epoch scores are not role losses


def test_a_downloaded_gan_uploads_as_the_pair_and_start_continues_both(app, tmp_path):
    first = app.run()
    load_preset(first, "gan_generator")
    button(first, "Step 1 epoch").click().run()
    job = job_of(first)
    assert wait_until(lambda: job.status == "paused" and job.progress()["step"] > 0)
    first.run()
    assert any(b.label == "Download trained model (.zip)" for b in first.download_button)
    zip_bytes = first.session_state[DOWNLOADS]["checkpoint"]  # what that button downloads
    saved = job.progress()["step"]
    job.stop()

    at = app.run()  # a new tab
    at.switch_page("pages/train.py").run()
    at.file_uploader(key="checkpoint_upload").upload("gan.zip", zip_bytes, "application/zip").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert built(at)["name"] == "GAN generator"
    assert at.selectbox(key="train.recipe").value == "gan"
    assert at.session_state[TRAIN.key].partners["discriminator"]["name"] == "GAN discriminator"
    assert any("gan.zip" in s.value for s in at.success) and at.toggle[0].value is True
    button(at, "Step 1 batch").click().run()
    resumed = job_of(at)
    assert wait_until(lambda: resumed.status == "paused" and resumed.progress()["step"] == saved + 1)
    assert set(resumed.roles) == {"generator", "discriminator"}
    resumed.stop()
