"""The training loop and the engine end to end on small datasets (CPU)."""

import math

import numpy as np
import pytest
import torch
from torch import nn

import dlcore
from dlcore.jobs import JobPool
from dlcore.training import Callback, StopTraining, TrainData, fit, make_recipe
from dlcore.training.objective import make_objective
from dlcore.training.supervised import SupervisedRecipe


def mlp(hidden: list[int], outputs: int = 2, activation: str = "Tanh") -> dlcore.ModelSpec:
    layers = []
    for width in hidden:
        layers += [{"type": "Linear", "out_features": width}, {"type": activation}]
    layers.append({"type": "Linear", "out_features": outputs})
    return dlcore.ModelSpec.from_dict({"input_shape": [2], "layers": layers})


def train(spec, ds, **cfg):
    job = dlcore.start_training(spec, ds, dlcore.TrainConfig(device="cpu", **cfg), pool=JobPool())
    assert job.wait(120), "training did not finish"
    assert job.status == "finished", job.error
    return job


def test_small_mlp_learns_the_spiral():
    job = train(
        mlp([32, 32], activation="ReLU"), dlcore.data.load("spiral"), lr=0.01, epochs=60, batch_size=16
    )
    assert job.result["test_accuracy"] >= 0.95
    assert len(job.result["confusion_matrix"]) == 2
    assert list(job.result["per_class"].columns) == ["class", "precision", "recall", "f1", "support"]


def test_xor_needs_a_hidden_layer():
    ds = dlcore.data.load("xor")
    perceptron = train(mlp([]), ds, lr=0.05, epochs=40, batch_size=16)
    hidden = train(mlp([8]), ds, lr=0.05, epochs=40, batch_size=16)
    assert perceptron.result["test_accuracy"] <= 0.80
    assert hidden.result["test_accuracy"] >= 0.95


def test_one_logit_bce_gets_float_targets_and_learns():
    job = train(
        mlp([8], outputs=1),
        dlcore.data.load("xor"),
        loss="bce_with_logits",
        lr=0.05,
        epochs=40,
        batch_size=16,
    )
    assert job.result["test_accuracy"] >= 0.9


def test_same_seed_same_run_on_cpu():
    ds = dlcore.data.load("spiral")
    a = train(mlp([8]), ds, lr=0.01, epochs=3, seed=7)
    b = train(mlp([8]), ds, lr=0.01, epochs=3, seed=7)
    c = train(mlp([8]), ds, lr=0.01, epochs=3, seed=8)
    losses = [j.metrics()["train_loss"].tolist() for j in (a, b, c)]
    assert losses[0] == losses[1]
    assert losses[0] != losses[2]
    # The last epoch's scores cover that epoch alone, however many epochs the clock let fit score.
    last = [j.epoch_metrics().iloc[-1] for j in (a, b)]
    for column in ("train_loss", "train_accuracy", "val_loss", "val_accuracy"):
        assert last[0][column] == last[1][column]


def test_token_outputs_are_transposed_for_cross_entropy():
    ds = dlcore.data.load("reverse")
    job = train(dlcore.presets()["transformer_encoder"], ds, lr=3e-3, epochs=2, batch_size=64)
    curve = job.metrics()["train_loss"]
    assert curve.iloc[-5:].mean() < curve.iloc[:5].mean()
    assert 0.0 <= job.result["test_accuracy"] <= 1.0
    assert len(job.result["confusion_matrix"]) == ds.vocab_size


def test_regression_reports_r2():
    ds = dlcore.data.load("sine")
    spec = dlcore.ModelSpec.from_dict(
        {
            "input_shape": list(ds.input_shape),
            "layers": [
                {"type": "Flatten"},
                {"type": "Linear", "out_features": 32},
                {"type": "Tanh"},
                {"type": "Linear", "out_features": ds.target_shape[0]},
            ],
        }
    )
    job = train(spec, ds, loss="mse", lr=3e-3, epochs=15)
    assert job.result["r2"] > 0.5
    assert "val_r2" in job.epoch_metrics()


def test_output_that_does_not_fit_the_loss_is_a_spec_error_before_training():
    with pytest.raises(dlcore.SpecError, match="out_features"):
        dlcore.start_training(
            mlp([8], outputs=3),
            dlcore.data.load("xor"),
            dlcore.TrainConfig(device="cpu"),
            pool=JobPool(),
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("lr", -1.0), ("batch_size", 0), ("optimizer", "adamm"), ("epochs", 0), ("device", "tpu")],
)
def test_bad_config_names_the_field(field, value):
    with pytest.raises(dlcore.TrainError) as err:
        dlcore.TrainConfig(**{field: value}).validate()
    assert err.value.field == field


def test_unknown_optimizer_suggests_the_closest_name():
    with pytest.raises(dlcore.TrainError, match="did you mean 'adam'"):
        dlcore.TrainConfig(optimizer="adamm").validate()


def test_config_round_trips_through_a_dict():
    cfg = dlcore.TrainConfig(lr=0.05, epochs=None, optimizer_options={"momentum": 0.8}, optimizer="momentum")
    assert dlcore.TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(dlcore.TrainError, match="unknown training setting"):
        dlcore.TrainConfig.from_dict({"learning_rate": 0.1})


def test_huge_learning_rate_fails_with_the_step_and_the_cause():
    ds = dlcore.data.load("spiral")
    spec = mlp([64, 64, 64], activation="ReLU")
    job = dlcore.start_training(
        spec,
        ds,
        dlcore.TrainConfig(device="cpu", optimizer="sgd", lr=10.0, epochs=50),
        pool=JobPool(),
    )
    assert job.wait(60)
    assert job.status == "failed"
    step = job._recorder.diverged_at
    assert f"at step {step}" in job.error and "learning rate" in job.error
    assert math.isfinite(job.metrics()["train_loss"].max())  # the bad value is not in the curve
    assert job.health()[0]["kind"] == "diverged"


# --- fit() itself, with plain modules --------------------------------------------------------------------


class Events(Callback):
    def __init__(self, stop_at=None):
        self.seen, self.stop_at = [], stop_at

    def on_fit_start(self, logs):
        self.seen.append("start")

    def on_step_end(self, step, logs):
        self.seen.append(("step", step, logs["epoch"]))
        if step == self.stop_at:
            raise StopTraining("enough")

    def on_epoch_end(self, epoch, logs):
        self.seen.append(("epoch", epoch))

    def on_fit_end(self, logs):
        self.seen.append(("end", logs["status"], logs["reason"]))


def _toy_fit(epochs, callbacks, n=10, batch=4):
    x, y = torch.randn(n, 3), torch.randint(0, 2, (n,))
    model = nn.Linear(3, 2)
    objective = make_objective("cross_entropy", "multiclass", 2, (2,), ())
    data = TrainData(train=(x, y), val=(x[:0], y[:0]), test=(x[:0], y[:0]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    recipe = SupervisedRecipe(model, objective, data, optimizer)
    return fit(recipe, data, epochs=epochs, batch_size=batch, callbacks=callbacks)


def test_fit_emits_events_in_order_with_a_partial_last_batch():
    events = Events()
    logs = _toy_fit(2, [events])
    assert events.seen == [
        "start",
        ("step", 1, 1),
        ("step", 2, 1),
        ("step", 3, 1),
        ("epoch", 1),
        ("step", 4, 2),
        ("step", 5, 2),
        ("step", 6, 2),
        ("epoch", 2),
        ("end", "finished", "finished"),
    ]
    assert logs["step"] == 6


def test_stop_training_from_a_callback_ends_between_steps():
    events = Events(stop_at=4)
    logs = _toy_fit(None, [events])
    assert events.seen[-1] == ("end", "stopped", "enough")
    assert logs["step"] == 4


def test_autoencoder_learns_to_rebuild_its_input():
    ds = dlcore.data.load("ring")
    job = train(dlcore.presets()["autoencoder"], ds, loss="mse", lr=3e-3, epochs=10)
    assert job.result["r2"] > 0.5
    # the result keeps the test inputs and their reconstructions, to draw them side by side
    np.testing.assert_array_equal(job.result["targets"], ds.test[0].numpy())
    assert job.result["predictions"].shape == ds.test[0].shape


def test_a_regression_result_keeps_the_test_targets_and_predictions_its_r2_comes_from():
    ds = dlcore.data.load("sine")
    job = train(dlcore.presets()["gru_sequence"], ds, loss="mse", lr=0.01, epochs=2)
    targets, predictions = job.result["targets"], job.result["predictions"]
    np.testing.assert_array_equal(targets, ds.test[1].numpy())
    assert predictions.shape == targets.shape
    r2 = 1 - ((targets - predictions) ** 2).sum() / ((targets - targets.mean(axis=0)) ** 2).sum()
    assert r2 == pytest.approx(job.result["r2"], abs=1e-5)


# --- CUDA graphs (run where a GPU is present) ----------------------------------------------------------

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def _cuda_run(cuda_graph, model_factory):
    torch.manual_seed(0)
    model = model_factory().cuda()
    x = torch.randn(256, 2, device="cuda")
    y = (x[:, 0] * x[:, 1] > 0).long()
    objective = make_objective("cross_entropy", "binary", 2, (2,), ())
    data = TrainData(train=(x, y), val=(x[:0], y[:0]), test=(x[:0], y[:0]))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []

    class Keep(Callback):
        def on_step_end(self, step, logs):
            losses.append(logs["loss"])

    generator = torch.Generator(device="cuda").manual_seed(0)
    logs = fit(
        SupervisedRecipe(model, objective, data, optimizer),
        data,
        epochs=5,
        batch_size=32,
        callbacks=[Keep()],
        generator=generator,
        cuda_graph=cuda_graph,
    )
    return torch.stack(losses).cpu(), logs["cuda_graph"]


@needs_cuda
def test_cuda_graph_training_follows_the_eager_run():
    def factory():
        return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))

    (graphed, captured), (eager, _) = _cuda_run(True, factory), _cuda_run(False, factory)
    assert captured
    assert torch.allclose(graphed, eager, rtol=1e-3, atol=1e-4)


@needs_cuda
def test_a_model_that_cannot_be_captured_trains_eagerly():
    class HostSync(nn.Linear):
        def forward(self, x):
            if float(x.abs().max()) > 1e9:  # reads a number on the host: not capturable
                x = x.clamp(-1e9, 1e9)
            return super().forward(x)

    losses, captured = _cuda_run(True, lambda: nn.Sequential(HostSync(2, 2)))
    assert not captured
    assert len(losses) == 5 * (256 // 32) and torch.isfinite(losses).all()


def test_stop_before_the_first_step_is_a_clean_stop():
    class StopAtOnce(Callback):
        def on_fit_start(self, logs):
            raise StopTraining("not now")

    events = Events()
    logs = _toy_fit(3, [StopAtOnce(), events])
    assert logs["status"] == "stopped" and logs["step"] == 0
    assert events.seen == [("end", "stopped", "not now")]


def test_a_recipe_readies_every_optimizer_for_capture_and_declines_a_scheduled_sgd():
    ring = dlcore.data.load("ring")
    gan = {
        "generator": dlcore.presets()["gan_generator"],
        "discriminator": dlcore.presets()["gan_discriminator"],
    }
    models = {role: dlcore.build_model(spec) for role, spec in gan.items()}
    recipe = make_recipe(
        "gan", models, ring, dlcore.TrainConfig(recipe="gan", optimizer="adam"), torch.device("cpu")
    )
    assert recipe.prepare_for_graph()
    assert all(o.defaults["capturable"] for o in recipe.optimizers.values())
    cfg = dlcore.TrainConfig(optimizer="sgd", schedule="cosine", epochs=2)
    plain = make_recipe(
        "supervised", {"model": nn.Linear(2, 2)}, dlcore.data.load("circle"), cfg, torch.device("cpu")
    )
    assert not plain.prepare_for_graph()  # SGD reads a Python-float learning rate a graph would freeze
