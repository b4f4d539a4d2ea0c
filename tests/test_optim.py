"""Loss, optimizer, schedule, regulariser and initialiser catalogues, and model/task/loss compatibility."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

import dlcore
from dlcore import SpecError, TrainError


def params():
    return [nn.Parameter(torch.ones(3, 2))]


def test_registries_use_the_snake_case_of_pytorch_names():
    assert dlcore.LOSSES.names() == [
        "mse",
        "l1",
        "huber",
        "bce_with_logits",
        "cross_entropy",
        "nll",
        "kl_div",
    ]
    assert dlcore.OPTIMIZERS.names() == ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad"]
    assert dlcore.SCHEDULES.names() == ["constant", "step", "cosine", "one_cycle", "linear_warmup"]
    # tf_playground is TF Playground's rule, named after it
    initialisers = ["default", "xavier", "kaiming", "kaiming_uniform", "normal", "zeros", "tf_playground"]
    assert dlcore.INITIALISERS.names() == initialisers
    assert dlcore.REGULARISERS.names() == ["none", "l1", "l2"]
    for registry in (
        dlcore.LOSSES,
        dlcore.OPTIMIZERS,
        dlcore.SCHEDULES,
        dlcore.INITIALISERS,
        dlcore.REGULARISERS,
    ):
        for name, entry in registry.items():
            assert entry.name == name and len(entry.help) > 20
            assert all(p.help for p in entry.params)


def test_make_loss_builds_the_pytorch_loss_with_its_settings():
    loss = dlcore.make_loss("cross_entropy", label_smoothing=0.1)
    assert isinstance(loss, nn.CrossEntropyLoss) and loss.label_smoothing == 0.1
    assert dlcore.make_loss("huber", delta=2.0).delta == 2.0
    assert dlcore.make_loss("kl_div").reduction == "batchmean"
    value = dlcore.make_loss("mse")(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    assert value.item() == pytest.approx(5.0)


def test_bad_loss_names_and_settings_raise_train_error_naming_the_field():
    with pytest.raises(TrainError, match="did you mean 'cross_entropy'"):
        dlcore.make_loss("crossentropy")
    with pytest.raises(TrainError) as info:
        dlcore.make_loss("cross_entropy", label_smoothing=0.9)
    assert info.value.field == "label_smoothing"
    with pytest.raises(TrainError) as info:
        dlcore.make_loss("mse", delta=1.0)
    assert info.value.field == "delta"


def test_make_optimizer_maps_each_name_to_its_pytorch_optimizer():
    sgd = dlcore.make_optimizer("sgd", params(), lr=0.1)
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0
    momentum = dlcore.make_optimizer("momentum", params(), lr=0.1)
    assert momentum.defaults["momentum"] == 0.9 and not momentum.defaults["nesterov"]
    assert dlcore.make_optimizer("nesterov", params(), lr=0.1).defaults["nesterov"]
    adam = dlcore.make_optimizer("adam", params(), lr=1e-3, weight_decay=0.01, beta1=0.8)
    assert adam.defaults["betas"] == (0.8, 0.999) and adam.defaults["weight_decay"] == 0.01
    assert isinstance(dlcore.make_optimizer("adamw", params(), lr=1e-3), torch.optim.AdamW)
    assert isinstance(dlcore.make_optimizer("rmsprop", params(), lr=1e-3), torch.optim.RMSprop)
    assert isinstance(dlcore.make_optimizer("adagrad", params(), lr=1e-2), torch.optim.Adagrad)


def test_make_optimizer_passes_engine_options_and_checks_the_learning_rate():
    assert dlcore.make_optimizer("adam", params(), lr=1e-3, foreach=False).defaults["foreach"] is False
    with pytest.raises(TrainError) as info:
        dlcore.make_optimizer("adam", params(), lr=-1)
    assert info.value.field == "lr"
    with pytest.raises(TrainError) as info:
        dlcore.make_optimizer("sgd", params(), lr=0.1, momentum=0.9)
    assert info.value.field == "momentum"  # plain SGD has no momentum: use "momentum"


def lr_curve(name, total=10, steps=12, **settings):
    opt = torch.optim.SGD(params(), lr=1.0)
    schedule = dlcore.make_scheduler(name, opt, total, **settings)
    values = []
    for _ in range(steps):
        values.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    return values


def test_schedules_follow_their_shapes_and_survive_running_past_the_end():
    assert lr_curve("constant") == [1.0] * 12
    step = lr_curve("step", step_fraction=0.5, gamma=0.1)
    assert step[:5] == [1.0] * 5 and step[5] == pytest.approx(0.1) and step[10] == pytest.approx(0.01)
    cosine = lr_curve("cosine")
    assert cosine[0] == 1.0 and cosine[5] == pytest.approx(0.5) and cosine[10] == pytest.approx(0.0, abs=1e-9)
    assert cosine[11] == cosine[10]
    cycle = lr_curve("one_cycle", pct_start=0.3)
    assert cycle[0] == pytest.approx(0.04) and max(cycle) == pytest.approx(1.0) and cycle[-1] < 0.01
    warm = lr_curve("linear_warmup", warmup_fraction=0.4)
    assert warm[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0]) and warm[-1] == 1.0


def test_schedule_needs_a_planned_step_count():
    with pytest.raises(TrainError):
        dlcore.make_scheduler("cosine", torch.optim.SGD(params(), lr=1.0), 0)


def test_regularisers_penalise_weights_not_biases():
    weights = [torch.tensor([[1.0, -2.0]]), torch.tensor([5.0])]  # a matrix and a bias vector
    assert dlcore.REGULARISERS.get("l1").factory(weights).item() == 3.0
    assert dlcore.REGULARISERS.get("l2").factory(weights).item() == 5.0
    assert dlcore.REGULARISERS.get("none").factory(weights) is None


CLASSIFIER = {
    "input_shape": [4],
    "layers": [
        {"type": "Linear", "out_features": 8},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 3},
    ],
}


def compat_error(spec, *args, **kw) -> SpecError:
    with pytest.raises(SpecError) as info:
        dlcore.check_compatibility(spec, *args, **kw)
    return info.value


def test_compatible_setups_pass():
    assert dlcore.check_compatibility(CLASSIFIER, "multiclass", 3, "cross_entropy") is None
    binary = {"input_shape": [2], "layers": [{"type": "Linear", "out_features": 1}]}
    dlcore.check_compatibility(binary, "binary", 2, "bce_with_logits")
    dlcore.check_compatibility(binary, "regression", None, "mse", target_shape=(1,))
    seq = {
        "input_shape": [8],
        "layers": [
            {"type": "Embedding", "num_embeddings": 10, "embedding_dim": 4},
            {"type": "Linear", "out_features": 10},
        ],
    }
    dlcore.check_compatibility(seq, "sequence-to-sequence", 10, "cross_entropy", target_shape=(8,))


def test_wrong_number_of_class_outputs_names_the_last_linear_and_the_value():
    err = compat_error(CLASSIFIER, "multiclass", 5, "cross_entropy")
    assert "set the Linear's out_features (layer 3) to 5" in str(err)


def test_loss_that_does_not_suit_the_task_suggests_ones_that_do():
    err = compat_error(CLASSIFIER, "regression", None, "cross_entropy", target_shape=(3,))
    assert err.field == "loss" and "mse" in str(err)
    err = compat_error(CLASSIFIER, "sequence-to-sequence", 3, "mse")
    assert "cross_entropy or nll" in str(err)


def test_value_losses_on_classes_compare_one_hot_targets_or_a_single_binary_score():
    dlcore.check_compatibility(CLASSIFIER, "multiclass", 3, "mse")  # one-hot targets
    single = {"input_shape": [2], "layers": [{"type": "Linear", "out_features": 1}]}
    dlcore.check_compatibility(single, "binary", 2, "mse")
    assert "to 2" in str(compat_error(single, "binary", 2, "cross_entropy"))


def test_generative_models_without_targets_must_rebuild_their_input():
    autoencoder = {
        "input_shape": [2],
        "layers": [{"type": "Linear", "out_features": 1}, {"type": "Linear", "out_features": 2}],
    }
    dlcore.check_compatibility(autoencoder, "generation", None, "mse", target_shape=(0,))
    err = compat_error(CLASSIFIER, "generation", None, "mse", target_shape=(0,))
    assert "rebuilds its input" in str(err) and "to 4" in str(err)


def test_token_models_need_a_score_per_token_at_every_position():
    tokens = {
        "input_shape": [8],
        "layers": [
            {"type": "Embedding", "num_embeddings": 10, "embedding_dim": 4},
            {"type": "Linear", "out_features": 7},
        ],
    }
    assert "to 10" in str(
        compat_error(tokens, "sequence-to-sequence", 10, "cross_entropy", target_shape=(8,))
    )
    flat = {**tokens, "layers": tokens["layers"] + [{"type": "Flatten"}]}
    assert "each of the 8 positions" in str(
        compat_error(flat, "sequence-to-sequence", 10, "cross_entropy", (8,))
    )


def test_softmax_before_cross_entropy_is_flagged():
    spec = {**CLASSIFIER, "layers": CLASSIFIER["layers"] + [{"type": "Softmax"}]}
    err = compat_error(spec, "multiclass", 3, "cross_entropy")
    assert "remove the final Softmax (layer 4)" in str(err)


def test_nll_needs_log_softmax():
    assert "LogSoftmax" in str(compat_error(CLASSIFIER, "multiclass", 3, "nll"))
    spec = {**CLASSIFIER, "layers": CLASSIFIER["layers"] + [{"type": "LogSoftmax"}]}
    dlcore.check_compatibility(spec, "multiclass", 3, "nll")


def test_bce_needs_a_single_output_and_regression_the_target_shape():
    assert "out_features (layer 3) to 1" in str(compat_error(CLASSIFIER, "binary", 2, "bce_with_logits"))
    err = compat_error(CLASSIFIER, "regression", None, "mse", target_shape=(2,))
    assert "targets, shaped (2,)" in str(err) and "to 2" in str(err)


def test_classifier_on_unflattened_features_asks_for_a_flatten_and_unknown_task_is_named():
    images = {"input_shape": [1, 4, 4], "layers": [{"type": "Conv2d", "out_channels": 3, "kernel_size": 3}]}
    assert "Flatten" in str(compat_error(images, "multiclass", 3, "cross_entropy"))
    assert compat_error(CLASSIFIER, "ranking", 3, "cross_entropy").field == "task"


def _accepts(check) -> bool:
    try:
        check()
    except (dlcore.DlcoreError, ValueError):
        return False
    return True


@given(st.floats(min_value=1e-9, max_value=1e3) | st.sampled_from([1e-7, 5e-6, 10.0, 100.0, 0.0, -1.0]))
@settings(max_examples=60, deadline=None)
def test_every_place_that_takes_a_learning_rate_agrees_on_its_range(lr):
    from dlcore import playground

    weights = [torch.nn.Parameter(torch.zeros(1))]
    config = _accepts(lambda: dlcore.TrainConfig(lr=lr).validate())
    assert _accepts(lambda: dlcore.make_optimizer("sgd", weights, lr)) == config
    assert _accepts(lambda: playground.network_params()["lr"].coerce(lr)) == config


def test_an_out_of_range_learning_rate_is_refused_naming_the_field():
    with pytest.raises(dlcore.TrainError, match="'lr' must be at most 10") as err:
        dlcore.make_optimizer("adam", [torch.nn.Parameter(torch.zeros(1))], 100.0)
    assert err.value.field == "lr"


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression", "generation", "sequence-to-sequence"])
def test_a_better_loss_is_offered_only_for_a_value_loss_on_classes_and_it_suits_the_task(task):
    from dlcore.optim import LOSSES
    from dlcore.tasks import better_loss, suited_losses

    for loss in LOSSES.names():
        advice = better_loss(task, loss)
        if advice is None:
            continue
        better, why = advice
        assert LOSSES.get(loss).extra["expects"] == "values" and loss in why and better in why
        assert better in suited_losses(task) and LOSSES.get(better).extra.get("class_targets")
    classes = task in ("binary", "multiclass")
    assert (better_loss(task, "mse") is not None) == classes
    assert better_loss(task, "cross_entropy") is None


@given(st.lists(st.integers(1, 10_000), min_size=2, max_size=10))
def test_balanced_class_weights_give_every_class_the_same_total_weight(counts):
    loss = dlcore.make_loss("cross_entropy", torch.tensor(counts), class_weight="balanced")
    totals = loss.weight * torch.tensor(counts, dtype=torch.float)
    assert torch.allclose(totals, torch.full_like(totals, sum(counts) / len(counts)), rtol=1e-4)


def test_a_rare_class_costs_more_with_balanced_weights_and_the_same_without():
    logits, rare = torch.zeros(1, 2), torch.tensor([1])  # an undecided answer for a rare example
    counts = torch.tensor([95, 5])
    plain = dlcore.make_loss("cross_entropy", counts)
    balanced = dlcore.make_loss("cross_entropy", counts, class_weight="balanced")
    assert plain.weight is None
    # reduction "mean" divides by the weights in the batch: compare the sum over a batch of both classes
    both, targets = torch.zeros(2, 2), torch.tensor([0, 1])
    per_example = nn.functional.cross_entropy(both, targets, weight=balanced.weight, reduction="none")
    assert per_example[1] / per_example[0] == pytest.approx(95 / 5)
    assert float(plain(logits, rare)) == pytest.approx(float(torch.log(torch.tensor(2.0))))


def test_balanced_weights_without_classes_name_the_field():
    with pytest.raises(TrainError, match="classes") as err:
        dlcore.make_loss("cross_entropy", class_weight="balanced")
    assert err.value.field == "class_weight"
