"""The race and embeddings tabs in AppTest: a race starts every racer in one job, a delay longer than the
sequence is refused with a student's message, the adding problem races too (at its own settings, scored
by R²), and the projector draws a trained racer's vectors."""

from __future__ import annotations

import pytest

import dlcore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
SHORT_RACE = {"tab": "race", "race.delay": "3", "race.length": "6", "race.width": "8", "race.epochs": "2"}


def messages(at) -> str:
    return " ".join(e.value for e in [*at.warning, *at.error])


def test_a_delay_longer_than_the_sequence_is_refused_with_a_message_and_the_race_kept(open_page):
    at = open_page({"tab": "race", "race.length": "30", "race.delay": "20"})
    at.slider(key="seq-race.delay").set_value(45).run()
    assert not at.exception
    assert "the delay (45 steps) must be shorter than the sequence (30 steps)" in messages(at)
    assert "Lower delay to at most 29 or raise length" in messages(at)
    assert at.session_state["sequences.race.state"].delay == 20
    assert at.slider(key="seq-race.delay").value == 20


def test_the_race_trains_every_racer_and_each_finished_race_is_a_point_against_delay(open_page):
    at = open_page(SHORT_RACE)
    at.button(key="seq-race-start").click().run()
    assert not at.exception
    job = at.session_state["seq_race_job"]
    assert set(job.roles) == set(dlcore.sequences.race.RACERS)
    assert job.wait(60) and job.status == "finished", job.error
    at.run()
    assert not at.exception
    finished = next(iter(at.session_state["seq_race_finished"].values()))
    assert set(finished) == {3} and set(finished[3]) == set(dlcore.sequences.race.RACERS)
    assert "Delay 3 steps, epoch 2 of 2" in " ".join(c.value for c in at.caption)


def test_the_adding_problem_is_a_choice_that_races_and_is_scored_by_r2(open_page):
    at = open_page(SHORT_RACE)
    fair = next(c for c in at.caption if c.value.startswith("A fair race"))
    assert "learning rates chosen once for every delay (RNN 0.003, LSTM 0.01" in fair.proto.help
    at.selectbox(key="seq-race.task").set_value("adding").run()
    assert not at.exception and at.query_params["race.task"] == "adding"
    # picking the adding problem sets the race it is run at, and the tab says so
    picked = at.session_state["sequences.race.state"]
    assert (picked.delay, picked.length, picked.epochs, picked.width) == (45, 50, 40, 8)
    assert at.slider(key="seq-race.delay").value == 45 and at.slider(key="seq-race.epochs").value == 40
    fair = next(c for c in at.caption if c.value.startswith("A fair race"))
    assert "Picking adding sets delay 45 of 50 steps, 40 epochs." in fair.value
    for name, value in (("delay", 3), ("length", 6), ("epochs", 2)):  # a short race for the test
        at.slider(key=f"seq-race.{name}").set_value(value).run()
    at.button(key="seq-race-start").click().run()
    job = at.session_state["seq_race_job"]
    assert job.dataset.name == "adding"
    assert job.wait(60) and job.status == "finished", job.error
    at.run()
    assert not at.exception
    assert "Delay 3 steps, epoch 2 of 2: RNN R² " in " ".join(c.value for c in at.caption)
    finished = at.session_state["seq_race_finished"]
    assert any(
        setup[0] == "adding" and set(races.get(3, {})) == set(dlcore.sequences.race.RACERS)
        for setup, races in finished.items()
    )


def test_the_embeddings_tab_asks_for_a_run_then_projects_a_racers_layer(open_page):
    at = open_page({**SHORT_RACE, "tab": "embeddings", "embeddings.source": "lstm"})
    assert "Train on the **Long-memory race** tab first" in " ".join(i.value for i in at.info)
    at.session_state["sequences.state"] = dlcore.sequences.OpenTab("race")
    at.run()
    at.button(key="seq-race-start").click().run()
    assert at.session_state["seq_race_job"].wait(60)
    at.session_state["sequences.state"] = dlcore.sequences.OpenTab("embeddings")
    at.run()
    assert not at.exception
    assert at.selectbox(key="seq-embeddings.layer").value == "lstm1"  # what the output layer reads
    assert at.session_state["seq_embeddings"][1].xy.shape == (200, 2)  # the 200 test sequences
    at.selectbox(key="seq-embeddings.method").set_value("tsne").run()
    assert not at.exception
    assert at.query_params["embeddings.method"] == "tsne"
    assert at.session_state["seq_embeddings"][1].what == "lstm1, TSNE"
