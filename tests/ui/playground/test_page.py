"""The 2-D playground page in AppTest: controls change the network and the link, and a link rebuilds the
same network and data."""

from __future__ import annotations

import time

import pytest
import torch

import dlcore
import dlcore.playground as pg
from tests.ui.playground.support import job_of, link_of, state_of
from ui.state import PLAYGROUND_PLAYING


def test_the_page_opens_on_tf_playgrounds_first_screen_and_writes_it_into_the_link(open_page):
    at = open_page()
    assert state_of(at) == pg.Playground()
    assert link_of(at) == pg.to_query(pg.Playground())
    assert job_of(at).status == "paused"  # nothing trains before Play
    assert job_of(at).spec == pg.model_spec(pg.Playground(), pg.Network())


def test_a_shared_link_rebuilds_the_same_network_and_the_same_points(open_page):
    link = {"dataset": "spiral", "noise": "20", "ratio": "70", "seed": "1234", "features": "x1,x2,sin(x1)",
            "layers": "5,3", "act": "relu", "lr": "0.01", "opt": "adam", "reg": "l2", "rate": "0.003",
            "batch": "16"}  # fmt: skip
    first = open_page(link)
    second = open_page(link_of(first))  # the link the first page wrote, opened in a new tab
    expected, problems = pg.from_query(link)
    assert problems == []
    for at in (first, second):
        assert state_of(at) == expected
        job = job_of(at)
        assert job.spec == pg.model_spec(expected, expected.a)
        assert (job.config.lr, job.config.optimizer, job.config.weight_decay, job.config.batch_size) == (
            0.01,
            "adam",
            0.003,
            16,
        )
    a, b = job_of(first).dataset, job_of(second).dataset
    reference = dlcore.data.load("spiral", **pg.dataset_options(expected, expected.a))
    for split in ("train", "test"):
        assert torch.equal(getattr(a.raw_2d, split), getattr(reference.raw_2d, split))
        assert torch.equal(getattr(a, split)[0], getattr(b, split)[0])
    # same seed, same starting weights
    for p, q in zip(
        job_of(first).snapshot().parameters(), job_of(second).snapshot().parameters(), strict=True
    ):
        assert torch.equal(p, q)


def test_a_broken_link_opens_a_working_page_and_says_what_was_ignored(open_page):
    at = open_page({"dataset": "circel", "layers": "4,99", "lr": "fast"})
    assert state_of(at) == pg.Playground()
    warnings = " ".join(w.value for w in at.warning)
    assert "circel" in warnings and "layers" in warnings and "lr" in warnings


def test_layer_and_neuron_controls_reshape_the_network_and_the_link(open_page):
    at = open_page()
    at.number_input(key="pg-A-layers").increment().run()
    assert state_of(at).a.hidden == (4, 2, 2)
    at.number_input(key="pg-A-width0").set_value(7).run()
    assert not at.exception
    assert state_of(at).a.hidden == (7, 2, 2)
    assert link_of(at)["layers"] == "7,2,2"
    assert job_of(at).spec == pg.model_spec(state_of(at), state_of(at).a)


def test_settings_reach_the_training_job(open_page):
    at = open_page()
    at.selectbox(key="pg-A-act").set_value("relu").run()
    at.selectbox(key="pg-A-reg").set_value("l1").run()
    at.selectbox(key="pg-A-rate").set_value(0.01).run()
    assert not at.exception
    assert link_of(at)["act"] == "relu" and link_of(at)["reg"] == "l1"
    job = job_of(at)
    assert [layer.type for layer in job.spec.layers] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert job.config.l1 == 0.01


def test_turning_off_every_feature_is_refused_with_a_message(open_page):
    at = open_page()
    at.pills(key="pg-A-features").set_value([]).run()
    assert not at.exception
    assert state_of(at).a.features == ("x1", "x2")
    assert any("feature" in w.value for w in at.warning)


def test_ab_mode_trains_two_networks_at_once(open_page):
    at = open_page()
    at.toggle(key="pg-compare").set_value(True).run()
    at.selectbox(key="pg-B-act").set_value("sigmoid").run()
    assert not at.exception
    assert link_of(at)["compare"] == "1" and link_of(at)["b.act"] == "sigmoid"
    at.button(key="pg-resume").click().run()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and min(job_of(at, s).progress()["epoch"] for s in "AB") < 3:
        time.sleep(0.2)
    assert job_of(at, "A").status == job_of(at, "B").status == "running"
    assert min(job_of(at, s).progress()["epoch"] for s in "AB") >= 3
    at.button(key="pg-pause").click().run()
    assert not at.exception


def test_a_learning_rate_change_keeps_the_trained_weights(open_page):
    at = open_page()
    at.button(key="pg-step_epoch").click().run()
    job_of(at).wait(0.5)
    before = job_of(at).snapshot().state_dict()
    at.selectbox(key="pg-A-lr").set_value(0.3).run()
    after_job = job_of(at)
    assert after_job.config.lr == 0.3
    for name, value in after_job.snapshot().state_dict().items():
        assert torch.equal(value, before[name]), name


def test_classroom_mode_hides_the_ticked_controls(open_page):
    at = open_page()
    at.multiselect(key="pg-hide").set_value(["noise", "lr"]).run()
    assert link_of(at)["hide"] == "noise,lr"
    student = open_page(link_of(at))
    keys = {w.key for w in student.slider} | {w.key for w in student.selectbox}
    assert "pg-noise" not in keys and "pg-A-lr" not in keys
    assert "pg-ratio" in keys and "pg-A-act" in keys


def test_a_diverging_network_stops_playing_and_says_why(open_page):
    at = open_page({"dataset": "plane", "layers": "8,8", "act": "relu", "lr": "10"})
    at.button(key="pg-resume").click().run()
    job_of(at).wait(30)
    assert job_of(at).status == "failed"
    at.run()  # the live panel notices, stops playing and reruns the page
    at.run()
    assert not at.exception
    assert at.session_state[PLAYGROUND_PLAYING] is False
    assert any("learning rate" in e.value for e in at.error)


def test_reset_goes_back_to_the_starting_weights_at_epoch_0(open_page):
    at = open_page()
    start = job_of(at).snapshot().state_dict()
    at.button(key="pg-step_epoch").click().run()
    job_of(at).wait(1)
    assert job_of(at).progress()["epoch"] >= 1
    at.button(key="pg-reset").click().run()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and job_of(at).progress()["step"] != 0:
        time.sleep(0.1)
    assert job_of(at).progress()["epoch"] == 0
    for name, value in job_of(at).snapshot().state_dict().items():
        assert torch.equal(value, start[name]), name


def test_regenerate_draws_new_points_and_puts_the_new_seed_in_the_link(open_page):
    at = open_page()
    before = job_of(at).dataset.raw_2d.train
    at.button(key="pg-regenerate").click().run()
    assert not at.exception
    assert state_of(at).seed != 0 and link_of(at)["seed"] == str(state_of(at).seed)
    assert not torch.equal(job_of(at).dataset.raw_2d.train, before)


def test_looser_limits_allow_more_layers_and_neurons(open_page):
    at = open_page()
    assert at.number_input(key="pg-A-layers").max == pg.LIMITS["standard"].max_layers
    at.toggle(key="pg-limits").set_value(True).run()
    at.number_input(key="pg-A-layers").set_value(9).run()
    at.number_input(key="pg-A-width0").set_value(16).run()
    assert not at.exception
    assert state_of(at).a.hidden[0] == 16 and len(state_of(at).a.hidden) == 9
    assert link_of(at)["limits"] == "loose"
    at.toggle(key="pg-limits").set_value(False).run()  # back to TF's limits: the network shrinks to fit
    assert len(state_of(at).a.hidden) == 6 and max(state_of(at).a.hidden) == 8


def test_switching_to_regression_picks_a_regression_set_and_a_loss_that_fits(open_page):
    at = open_page({"loss": "cross_entropy"})
    at.selectbox(key="pg-problem").set_value("regression").run()
    assert not at.exception and not at.error
    assert state_of(at).dataset == "plane" and state_of(at).a.loss == "auto"
    assert job_of(at).config.loss == "mse"
    assert job_of(at).spec.layers[-1].params["out_features"] == 1


def test_after_a_divergence_a_lower_learning_rate_trains_from_fresh_weights(open_page):
    at = open_page({"dataset": "plane", "layers": "8,8", "act": "relu", "lr": "10"})
    at.button(key="pg-resume").click().run()
    job_of(at).wait(30)
    at.selectbox(key="pg-A-lr").set_value(0.01).run()
    assert not at.exception
    job = job_of(at)
    assert job.status != "failed" and job.config.lr == 0.01
    assert all(torch.isfinite(p).all() for p in job.snapshot().parameters())


def test_the_dataset_pictures_pick_the_dataset(open_page):
    at = open_page()
    at.button(key="pg-dataset-xor").click().run()
    assert not at.exception
    assert state_of(at).dataset == "xor" and link_of(at)["dataset"] == "xor"
    assert job_of(at).dataset.name == "xor"


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_every_regularisation_rate_offered_is_one_the_engine_trains(regularization):
    from ui.playground.network import REG_RATES

    state = pg.Playground()
    for rate in REG_RATES:
        network = pg.Network(regularization=regularization, reg_rate=rate)
        config = pg.train_config(state, network).validate()  # TrainError on a rate the engine refuses
        assert (config.weight_decay if regularization == "l2" else config.l1) == rate


def test_an_optimizer_registered_after_start_is_offered_by_its_title(open_page, monkeypatch):
    from dlcore.optim import Entry

    monkeypatch.setattr(dlcore.OPTIMIZERS, "_entries", dict(dlcore.OPTIMIZERS.items()))
    dlcore.OPTIMIZERS.register(
        "halfstep",
        Entry(
            "halfstep",
            "SGD at half the rate.",
            lambda p, lr, **kw: torch.optim.SGD(p, lr=lr / 2),
            title="Half-step SGD",
        ),
    )
    at = open_page()
    menu = at.selectbox(key="pg-A-opt")
    assert "Half-step SGD" in menu.options and "SGD + momentum" in menu.options
    menu.select("halfstep").run()
    assert not at.exception
    assert state_of(at).a.optimizer == "halfstep" and link_of(at)["opt"] == "halfstep"
