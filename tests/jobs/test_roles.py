"""Jobs that hold several models: a recipe's roles trained, stepped, reset, snapshotted, sampled and saved
together, watchers that subscribe at any time, and a diverging role named in the error."""

import json
import threading

import pytest
import torch
import torch.nn.functional as F

import dlcore
from dlcore.params import Param
from dlcore.training import RECIPES, Callback, Recipe, RecipeSpec, TrainData
from dlcore.training.recipe import RecipeKind, optimizer_for, register_recipe
from tests.jobs.support import spec, wait_for, wait_status


class TwinRecipe(Recipe):
    """Two classifiers of the same points, each with its own optimizer: the smallest recipe with two roles.
    `sample(n)` passes noise through the first, so the job's sampling path can be seen working."""

    main_role = "first"
    log_names = ("loss", "first_loss", "second_loss")

    def __init__(self, models, ds, cfg, options, device):
        self.models = models
        self.optimizers = {role: optimizer_for(model, cfg) for role, model in models.items()}
        self.schedules = {}
        self.data = TrainData.from_dataset(ds, device)
        self.poison = options["poison_second"]

    def step(self, x, y):
        losses = {}
        for role, model in self.models.items():
            self.optimizers[role].zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            if role == "second" and self.poison:
                loss = loss * float("nan")
            loss.backward()
            self.optimizers[role].step()
            losses[f"{role}_loss"] = loss.detach()
        return {"loss": losses["first_loss"] + losses["second_loss"], **losses}

    @torch.no_grad()
    def evaluate(self, x, y):
        if len(x) == 0:
            return {}
        first, second = self.models["first"](x), self.models["second"](x)
        loss = F.cross_entropy(first, y) + F.cross_entropy(second, y)
        return {"loss": float(loss), "agreement": float((first.argmax(1) == second.argmax(1)).float().mean())}

    def sample(self, n):
        noise = torch.randn(n, 2, generator=self.generator, device=self.generator.device)
        return self.models["first"](noise).cpu()


@pytest.fixture(scope="module", autouse=True)
def twin():
    register_recipe(
        RecipeKind(
            name="twin",
            title="Twin",
            description="Two classifiers learn the same points side by side.",
            roles=("first", "second"),
            tasks=("binary",),
            check=lambda specs, ds, cfg, options: None,
            build=TwinRecipe,
            params=(Param("poison_second", "bool", False, "Make the second model's loss NaN."),),
        )
    )
    yield "twin"
    RECIPES._entries.pop("twin")


@pytest.fixture(scope="module")
def xor():
    return dlcore.data.load("xor")


def start_twin(xor, pool, paused=True, **cfg):
    cfg = dlcore.TrainConfig(**{"device": "cpu", "epochs": None, "lr": 0.01, "recipe": "twin", **cfg})
    return dlcore.start_training(
        {"first": spec(), "second": spec(width=4)}, xor, cfg, pool=pool, paused=paused
    )


def weights(model) -> dict:
    return {k: v.clone() for k, v in model.state_dict().items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_a_job_steps_every_role_and_records_each_roles_loss_and_the_recipes_scores(xor, pool):
    job = start_twin(xor, pool)
    wait_status(job, "paused")
    assert job.roles == ("first", "second") and job.recipe == "twin"
    assert job.snapshot("second").get_submodule("linear1").out_features == 4  # each role built from its spec
    before = {role: weights(job.snapshot(role)) for role in job.roles}
    job.step()
    wait_for(lambda: job.status == "paused" and job.progress()["step"] == 1)
    assert all(not same(before[role], weights(job.snapshot(role))) for role in job.roles)
    job.step("epoch")
    wait_for(lambda: job.status == "paused" and len(job.epoch_metrics()) == 1)
    frame = job.metrics()
    assert {"train_loss", "train_first_loss", "train_second_loss", "val_agreement"} <= set(frame.columns)
    assert frame["train_loss"].iloc[0] == pytest.approx(
        frame["train_first_loss"].iloc[0] + frame["train_second_loss"].iloc[0], rel=1e-5
    )
    assert {"train_first_loss", "train_second_loss", "val_loss", "val_agreement"} <= set(job.epoch_metrics())
    job.stop()
    assert job.wait(10) and job.status == "stopped"
    assert set(job.result) == {"test_loss", "test_agreement"}  # the recipe's own scores on the test split


def test_reset_rebuilds_every_role_from_its_spec_and_the_seed(xor, pool):
    job = start_twin(xor, pool, seed=5)
    wait_status(job, "paused")
    first = {role: weights(job.snapshot(role)) for role in job.roles}
    job.resume()
    wait_for(lambda: job.progress()["step"] > 20)
    job.reset()
    wait_for(lambda: job.status == "paused" and job.progress()["step"] == 0)
    assert all(same(first[role], weights(job.snapshot(role))) for role in job.roles)
    job.stop()
    assert job.wait(10)


def test_snapshot_of_a_role_the_job_lacks_names_the_roles_it_has(xor, pool):
    job = start_twin(xor, pool)
    with pytest.raises(dlcore.TrainError, match="'first' and 'second', not for 'model'"):
        job.snapshot("model")
    assert weights(job.snapshot()).keys() == weights(job.snapshot("first")).keys()  # the main role
    job.stop()
    assert job.wait(10)


def test_sample_makes_new_examples_while_paused_training_and_after_the_run(xor, pool):
    job = start_twin(xor, pool)
    wait_status(job, "paused")
    paused = job.sample(5)
    assert paused.shape == (5, 2) and paused.device.type == "cpu"
    job.resume()
    wait_for(lambda: job.progress()["step"] > 5)
    assert job.sample(7).shape == (7, 2)  # between steps, on the training thread
    job.pause()
    wait_status(job, "paused")
    at = job.progress()["step"]
    assert job.sample(4).shape == (4, 2) and job.progress()["step"] == at  # sampling trains nothing
    job.stop()
    assert job.wait(10)
    assert job.sample(3).shape == (3, 2)  # nothing trains: the models on the CPU
    assert job.snapshot("first").training is False  # sampling left the models' modes alone


def test_a_recipe_without_samples_says_so(pool):
    job = dlcore.start_training(
        spec(), dlcore.data.load("spiral"), dlcore.TrainConfig(device="cpu"), pool=pool
    )
    with pytest.raises(dlcore.TrainError, match="makes no new examples"):
        job.sample(3)
    job.stop()
    assert job.wait(10)


class Watcher(Callback):
    """Writes down the events it is sent, in order."""

    def __init__(self):
        self.events: list[tuple] = []
        self.lock = threading.Lock()

    def on_fit_start(self, logs):
        self.events.append(("start", logs["step"], tuple(logs["models"])))

    def on_step_end(self, step, logs):
        self.events.append(("step", step))

    def on_epoch_end(self, epoch, logs):
        self.events.append(("epoch", epoch))

    def on_fit_end(self, logs):
        self.events.append(("end", logs["status"]))


def test_a_callback_added_while_training_starts_at_the_next_step_after_its_fit_start(xor, pool):
    job = start_twin(xor, pool, paused=False)
    wait_for(lambda: job.progress()["step"] > 10)
    watcher = Watcher()
    job.add_callback(watcher)
    wait_for(lambda: len(watcher.events) > 5)
    job.remove_callback(watcher)
    seen = len(watcher.events)
    kind, at_step, roles = watcher.events[0]
    assert kind == "start" and at_step > 10 and roles == ("first", "second")  # the run as it is now
    steps = [e[1] for e in watcher.events if e[0] == "step"]
    assert steps[0] == at_step + 1 and steps == sorted(steps)  # no step missed, none twice
    wait_for(lambda: job.progress()["step"] > steps[-1] + 20)
    job.stop()
    assert job.wait(10)
    assert len(watcher.events) == seen  # removed: no more events


def test_a_callback_added_before_the_run_hears_all_of_it_and_stays_across_a_reset(xor, pool):
    job = start_twin(xor, pool, epochs=1)
    watcher = Watcher()
    job.add_callback(watcher)
    job.resume()
    assert job.wait(30) and job.status == "finished"
    assert watcher.events[0][:2] == ("start", 0) and watcher.events[-1] == ("end", "finished")
    assert ("epoch", 1) in watcher.events
    watcher.events.clear()
    job.reset()
    wait_status(job, "paused")
    job.resume()
    assert job.wait(30)
    assert watcher.events[0][:2] == ("start", 0) and watcher.events[-1] == ("end", "finished")


def test_a_diverging_role_is_named_with_its_own_learning_rate(xor, pool):
    job = start_twin(xor, pool, paused=False, lr=0.02, recipe_options={"poison_second": True})
    assert job.wait(30) and job.status == "failed" and job.diverged
    assert "second loss became NaN" in job.error and "the second diverged" in job.error
    assert "second's learning rate 10× smaller (lr=0.002)" in job.error


def test_a_recipe_spec_starts_a_job_from_json_and_the_job_gives_it_back(xor, pool):
    setup = RecipeSpec("twin", {"first": spec(), "second": spec(width=4)}, {"poison_second": False})
    text = json.dumps(setup.to_dict())
    job = dlcore.start_training(
        RecipeSpec.from_dict(json.loads(text)), xor, dlcore.TrainConfig(device="cpu"), pool=pool, paused=True
    )
    assert job.setup == setup and job.roles == ("first", "second")
    job.stop()
    assert job.wait(10)
    with pytest.raises(dlcore.TrainError, match="set up for the twin recipe"):
        dlcore.start_training(json.loads(text), xor, dlcore.TrainConfig(recipe="supervised"), pool=pool)


def test_models_that_do_not_match_the_recipes_roles_are_refused_naming_them(xor, pool):
    cfg = dlcore.TrainConfig(device="cpu", recipe="twin")
    with pytest.raises(dlcore.SpecError, match="add a model for 'second'"):
        dlcore.start_training({"first": spec()}, xor, cfg, pool=pool)


def test_a_recipe_on_a_task_it_does_not_train_is_refused_naming_both(pool):
    with pytest.raises(dlcore.SpecError, match="the twin recipe does not fit a regression dataset"):
        start_twin(dlcore.data.load("sine"), pool)


def test_a_checkpoint_saves_and_loads_every_role(xor, pool):
    job = start_twin(xor, pool)
    job.step("epoch")
    wait_for(lambda: job.status == "paused" and job.progress()["epoch"] == 1)
    step = job.progress()["step"]
    trained = {role: weights(job.snapshot(role)) for role in job.roles}
    data = dlcore.checkpoint_bytes(job.setup, job.snapshots(), meta={"step": step, "epoch": 1})
    job.stop()
    assert job.wait(10)

    setup, models = dlcore.load_checkpoint(data)
    assert setup == job.setup
    assert all(same(trained[role], weights(models[role])) for role in job.roles)
    loaded = dlcore.loaded_job(data, xor, dlcore.TrainConfig(device="cpu"))
    assert loaded.roles == job.roles and same(trained["second"], weights(loaded.snapshot("second")))
    resumed = dlcore.start_training(
        job.setup, xor, dlcore.TrainConfig(device="cpu", epochs=2), pool=pool, resume_from=data, paused=True
    )
    assert all(same(trained[role], weights(resumed.snapshot(role))) for role in resumed.roles)
    wait_status(resumed, "paused")  # at step 0 of this run: where the checkpoint was
    assert resumed.progress()["step"] == step
    resumed.stop()
    assert resumed.wait(10)
    other = RecipeSpec("twin", {"first": spec(width=6), "second": spec(width=4)})
    with pytest.raises(dlcore.TrainError, match="different architecture"):
        dlcore.start_training(other, xor, dlcore.TrainConfig(device="cpu"), pool=pool, resume_from=data)


def test_one_model_trained_as_usual_is_saved_in_the_single_model_format(pool):
    job = dlcore.start_training(
        spec(), dlcore.data.load("spiral"), dlcore.TrainConfig(device="cpu"), pool=pool
    )
    job.stop()
    assert job.wait(10)
    saved, model = dlcore.load_checkpoint(dlcore.checkpoint_bytes(job.setup, job.snapshots()))
    assert saved == job.spec and isinstance(saved, dlcore.ModelSpec)  # spec.json: older versions read it
    assert same(weights(model), weights(job.snapshot()))
