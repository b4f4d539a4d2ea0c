"""The Train page's link in AppTest: a link opens its dataset, options and settings; every change made on
the page is in the address bar at once; a value a link gets wrong is named in a notice, never a traceback."""

import pytest

from ui.train.state import TRAIN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LINK = {
    "data": "spiral",
    "data.noise": "20",
    "data.num_points": "800",
    "optimizer": "sgd",
    "lr": "0.03",
    "epochs": "25",
    "seed": "7",
}


def open_link(app, query: dict[str, str]):
    """A new tab opened at the Train page's link with `query`."""
    for name, value in query.items():
        app.query_params[name] = value
    at = app.switch_page("pages/train.py").run()
    assert not at.exception
    return at


def link_of(at, *, with_model: bool = False) -> dict[str, str]:
    """The address bar's query: the Train settings, and the model every Train link carries if asked."""
    return {name: str(value) for name, value in at.query_params.items() if with_model or name != "model"}


def test_a_link_with_a_dataset_and_settings_opens_them(app):
    at = open_link(app, LINK)
    assert at.selectbox(key="data.name").value == "spiral"
    assert at.number_input(key="data.spiral.noise").value == 20
    assert at.number_input(key="data.spiral.num_points").value == 800
    assert at.selectbox(key="train.optimizer").value == "sgd"
    assert at.number_input(key="train.lr").value == 0.03
    assert at.number_input(key="train.epochs").value == 25
    assert at.number_input(key="train.seed").value == 7
    assert not at.warning  # nothing in it was refused
    assert link_of(at) == LINK  # and the address bar keeps it


def test_a_bad_value_in_a_link_gives_a_notice_naming_the_field_and_keeps_the_default(app):
    at = open_link(app, {"data": "spiral", "lr": "100", "epochs": "many", "data.noise": "-3"})
    assert not at.exception and not at.error or all("input shape" in e.value.lower() for e in at.error)
    notices = " ".join(w.value for w in at.warning)
    assert "'lr' must be at most 10" in notices and "'epochs' must be a whole number" in notices
    assert "'noise' must be at least 0" in notices
    assert at.number_input(key="train.lr").value == 0.001 and at.number_input(key="train.epochs").value == 10
    assert at.selectbox(key="data.name").value == "spiral"  # what the link got right is kept
    at.run()
    assert not at.warning  # each notice is shown once
    assert "lr" not in link_of(at) and link_of(at)["data"] == "spiral"


def test_each_settings_change_is_in_the_link_at_once(train):
    at = train
    assert link_of(at) == {"data": "digits"}
    at.number_input(key="train.lr").set_value(0.01).run()
    assert link_of(at)["lr"] == "0.01"
    at.number_input(key="train.epochs").set_value(3).run()
    assert link_of(at)["epochs"] == "3"
    at.selectbox(key="train.optimizer").set_value("momentum").run()
    assert link_of(at)["optimizer"] == "momentum"
    at.number_input(key="train.optimizer.momentum.momentum").set_value(0.5).run()
    assert link_of(at)["optimizer.momentum"] == "0.5"
    at.selectbox(key="train.recipe").set_value("vae").run()
    assert link_of(at)["recipe"] == "vae"
    at.number_input(key="train.recipe.vae.beta").set_value(4.0).run()
    assert link_of(at)["recipe.beta"] == "4.0"
    at.multiselect(key="data.digits.augment").set_value(["flip"]).run()
    assert link_of(at)["data.augment"] == "flip"
    at.selectbox(key="data.name").set_value("spiral").run()
    assert link_of(at)["data"] == "spiral" and "data.augment" not in link_of(at)
    assert not at.exception


def test_a_one_click_fix_is_in_the_link_too(train):
    at = train
    at.selectbox(key="train.loss").set_value("mse").run()
    assert link_of(at)["loss"] == "mse"
    next(b for b in at.button if b.label == "Use the cross_entropy loss").click().run()
    assert "loss" not in link_of(at)  # back to the default: nothing to say


def test_the_link_of_a_page_reopens_the_same_page(app, train):
    at = train
    at.selectbox(key="data.name").set_value("spiral").run()
    at.number_input(key="data.spiral.noise").set_value(10).run()
    at.number_input(key="train.lr").set_value(0.02).run()
    at.number_input(key="train.batch_size").set_value(32).run()
    at.selectbox(key="train.schedule").set_value("cosine").run()
    link = link_of(at, with_model=True)
    assert link["data.noise"] == "10" and link["schedule"] == "cosine"

    reopened = open_link(app, link)  # a fresh tab at that link
    assert link_of(reopened, with_model=True) == link
    before, after = at.session_state[TRAIN.key], reopened.session_state[TRAIN.key]
    assert after.dataset == before.dataset and after.data_options["noise"] == 10
    shown = ("loss", "optimizer", "lr", "schedule", "batch_size", "epochs", "schedule_options")
    assert {k: after.settings[k] for k in shown} == {k: before.settings[k] for k in shown}


def test_the_train_link_carries_the_model_and_opens_it_with_the_settings(app):
    import dlcore

    spec = dlcore.presets()["digits_mlp"].to_dict() | {"name": "Shared MLP"}
    at = open_link(app, {"model": dlcore.links.pack(spec), "lr": "0.05"})
    summary = " ".join(c.value for c in at.caption)
    assert "Training **Shared MLP** (4 layers) on **digits**" in summary and "lr 0.05" in summary
    assert dlcore.links.unpack(link_of(at, with_model=True)["model"])["name"] == "Shared MLP"


def test_a_damaged_model_in_a_train_link_is_named_and_the_settings_still_open(app):
    at = open_link(app, {"model": "zNOT-A-MODEL", "lr": "0.05"})
    notices = " ".join(w.value for w in at.warning)
    assert "could not be opened" in notices and "damaged" in notices
    assert at.number_input(key="train.lr").value == 0.05
