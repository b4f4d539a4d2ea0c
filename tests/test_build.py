"""build_model and summarize: names, shapes, blocks, initialisation, and properties over random specs."""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import dlcore
from dlcore import SpecError
from dlcore.bench import WORKLOADS
from tests.spec_strategies import corrupted_specs, valid_specs

PROPERTY = settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def spec(input_shape, *layers, **extra):
    return {"input_shape": list(input_shape), "layers": list(layers), **extra}


def conv(channels, **kw):
    return {"type": "Conv2d", "out_channels": channels, "kernel_size": 3, "padding": 1, **kw}


ISSUE_EXAMPLE = spec(
    (1, 28, 28),
    conv(8),
    {"type": "ReLU"},
    {"type": "MaxPool2d", "kernel_size": 2},
    {"type": "Residual", "layers": [conv(8), {"type": "ReLU"}]},
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 10},
)


def output_shapes_by_hook(model: nn.Module, x: torch.Tensor, names) -> dict[str, tuple]:
    """Run a real batch and record the output shape (without the batch) of each named submodule."""
    seen = {}
    hooks = [
        model.get_submodule(name).register_forward_hook(
            lambda m, i, o, name=name: seen.__setitem__(name, tuple(o.shape[1:]))
        )
        for name in names
    ]
    model(x)
    for hook in hooks:
        hook.remove()
    return seen


def test_submodules_are_named_by_type_and_count_depth_first():
    table = dlcore.summarize(ISSUE_EXAMPLE)
    assert list(table.name) == [
        "conv2d1",
        "relu1",
        "maxpool2d1",
        "residual1",
        "residual1.conv2d2",
        "residual1.relu2",
        "flatten1",
        "linear1",
    ]
    assert list(table.depth) == [0, 0, 0, 0, 1, 1, 0, 0]
    model = dlcore.build_model(ISSUE_EXAMPLE)
    for name, params in zip(table.name, table.params, strict=True):
        assert sum(p.numel() for p in model.get_submodule(name).parameters()) == params


def test_summary_shows_each_layer_as_pytorch_code():
    table = dlcore.summarize(ISSUE_EXAMPLE).set_index("name")
    assert table.loc["conv2d1", "pytorch"] == "nn.Conv2d(1, 8, kernel_size=3, padding=1)"
    assert table.loc["linear1", "pytorch"] == "nn.Linear(1568, 10)"  # 8 × 14 × 14 inferred
    assert table.loc["residual1", "pytorch"] == ""
    reshape = dlcore.summarize(spec((6,), {"type": "Reshape", "shape": [3, -1]}))
    assert reshape.iloc[0].pytorch == "x = x.reshape(x.shape[0], 3, -1)"


def test_summary_shapes_match_a_real_forward_pass_row_by_row():
    model = dlcore.build_model(ISSUE_EXAMPLE)
    table = dlcore.summarize(ISSUE_EXAMPLE)
    seen = output_shapes_by_hook(model, torch.randn(3, 1, 28, 28), table.name)
    assert {row.name: row.output_shape for row in table.itertuples()} == seen
    assert table.query("depth == 0").params.sum() == sum(p.numel() for p in model.parameters())
    assert table.attrs["total_params"] == sum(p.numel() for p in model.parameters())
    assert table.attrs["total_macs"] == table.query("depth == 0").macs.sum()
    assert table.attrs["output_shape"] == (10,)


def test_layer_names_from_the_spec_are_used():
    model = dlcore.build_model(
        spec(
            (4,),
            {"type": "Linear", "out_features": 3, "name": "hidden"},
            {"type": "Linear", "out_features": 2},
        )
    )
    assert [name for name, _ in model.named_children()] == ["hidden", "linear2"]


def test_residual_with_the_same_shape_adds_the_input_back():
    model = dlcore.build_model(
        spec((4,), {"type": "Residual", "layers": [{"type": "Linear", "out_features": 4}]})
    )
    block = model.get_submodule("residual1")
    assert not hasattr(block, "shortcut")
    x = torch.randn(5, 4)
    assert torch.allclose(model(x), block.linear1(x) + x)


def test_residual_that_changes_the_shape_gets_a_learned_projection():
    image = spec((4, 8, 8), {"type": "Residual", "layers": [conv(6, stride=2)]})
    table = dlcore.summarize(image)
    row = table.set_index("name").loc["residual1.shortcut"]
    assert row.type == "Conv2d" and "1×1 convolution" in row.note
    assert row.params == 4 * 6  # 1×1 kernel, no bias
    assert "projection" in table.set_index("name").loc["residual1"].note
    model = dlcore.build_model(image)
    shortcut = model.get_submodule("residual1.shortcut")
    assert shortcut.kernel_size == (1, 1) and shortcut.stride == (2, 2)
    x = torch.randn(2, 4, 8, 8)
    assert torch.allclose(model(x), model.residual1.conv2d1(x) + shortcut(x))
    vector = dlcore.summarize(
        spec((4,), {"type": "Residual", "layers": [{"type": "Linear", "out_features": 7}]})
    )
    assert vector.set_index("name").loc["residual1.shortcut"].type == "Linear"


def test_sequential_group_is_a_plain_named_group():
    model = dlcore.build_model(
        spec((3,), {"type": "Sequential", "name": "stage", "layers": [{"type": "Linear", "out_features": 2}]})
    )
    x = torch.randn(4, 3)
    assert torch.equal(model(x), model.stage.linear1(x))


@pytest.mark.parametrize("init", ["xavier", "kaiming", "normal", "zeros"])
def test_model_init_sets_weights_and_zeroes_biases(init):
    torch.manual_seed(0)
    model = dlcore.build_model(spec((64,), {"type": "Linear", "out_features": 256}, init=init, init_std=0.5))
    weight, bias = model.linear1.weight, model.linear1.bias
    assert torch.count_nonzero(bias) == 0
    expected_std = {
        "xavier": (2 / (64 + 256)) ** 0.5,
        "kaiming": (2 / 64) ** 0.5,
        "normal": 0.5,
        "zeros": 0.0,
    }
    assert weight.std().item() == pytest.approx(expected_std[init], rel=0.1, abs=1e-6)


def test_tf_playground_init_draws_weights_within_a_half_and_starts_every_bias_at_a_tenth():
    torch.manual_seed(0)
    model = dlcore.build_model(spec((64,), {"type": "Linear", "out_features": 256}, init="tf_playground"))
    weight, bias = model.linear1.weight, model.linear1.bias
    assert weight.abs().max().item() <= 0.5
    assert weight.std().item() == pytest.approx(1 / 12**0.5, rel=0.05)  # uniform on [-0.5, 0.5]
    assert torch.all(bias == 0.1)


def test_kaiming_uniform_init_scales_weights_for_relu_and_keeps_pytorchs_random_biases():
    torch.manual_seed(0)
    model = dlcore.build_model(spec((64,), {"type": "Linear", "out_features": 256}, init="kaiming_uniform"))
    weight, bias = model.linear1.weight, model.linear1.bias
    assert weight.std().item() == pytest.approx((2 / 64) ** 0.5, rel=0.05)
    assert bias.abs().max().item() <= 1 / 64**0.5  # PyTorch's own bias range, 1/√fan-in
    assert bias.std().item() > 0.5 / (12 * 64) ** 0.5  # random, not all one value


def test_layer_init_overrides_the_model_and_blocks_pass_theirs_down():
    model = dlcore.build_model(
        spec(
            (8,),
            {"type": "Linear", "out_features": 8, "init": "zeros"},
            {
                "type": "Residual",
                "init": "normal",
                "init_std": 2.0,
                "layers": [{"type": "Linear", "out_features": 8}],
            },
            {"type": "Linear", "out_features": 8},
            init="normal",
            init_std=0.01,
        )
    )
    assert torch.count_nonzero(model.linear1.weight) == 0
    assert model.residual1.linear2.weight.std().item() > 1.0
    assert model.linear3.weight.std().item() < 0.05


def test_default_init_keeps_pytorch_defaults_and_learned_positions_start_at_zero():
    torch.manual_seed(0)
    model = dlcore.build_model(
        spec(
            (6,),
            {"type": "Embedding", "num_embeddings": 5, "embedding_dim": 4},
            {"type": "PositionalEncoding"},
            {"type": "Linear", "out_features": 2},
            init="normal",
        )
    )
    assert torch.count_nonzero(model.positionalencoding1.embedding) == 0
    assert model.positionalencoding1.embedding.shape == (1, 6, 4)
    plain = dlcore.build_model(spec((4,), {"type": "Linear", "out_features": 3}))
    assert torch.count_nonzero(plain.linear1.bias) == 3


def test_sinusoidal_positions_are_fixed_and_not_saved():
    model = dlcore.build_model(spec((5, 4), {"type": "PositionalEncoding", "kind": "sinusoidal"}))
    assert model.state_dict() == {} and not list(model.parameters())
    out = model(torch.zeros(1, 5, 4))
    assert torch.allclose(out[0, 0], torch.tensor([0.0, 1.0, 0.0, 1.0]))  # sin(0), cos(0)
    assert torch.allclose(out[0, 1, :2], torch.tensor([0.8415, 0.5403]), atol=1e-4)  # sin(1), cos(1)


def test_lstm_last_step_equals_plain_pytorch_with_the_same_weights():
    model = dlcore.build_model(spec((7, 3), {"type": "LSTM", "hidden_size": 5}))
    plain = nn.LSTM(3, 5, batch_first=True)
    plain.load_state_dict(model.lstm1.state_dict())
    x = torch.randn(2, 7, 3)
    assert torch.allclose(model(x), plain(x)[0][:, -1])


def test_bidirectional_last_step_is_the_final_state_of_each_direction():
    model = dlcore.build_model(spec((7, 3), {"type": "GRU", "hidden_size": 4, "bidirectional": True}))
    x = torch.randn(2, 7, 3)
    _, h_n = nn.GRU.forward(model.gru1, x)  # h_n: (directions, B, H)
    assert torch.allclose(model(x), torch.cat((h_n[0], h_n[1]), dim=1), atol=1e-6)


def test_attention_layer_keeps_its_last_weights_for_inspection():
    model = dlcore.build_model(spec((6, 8), {"type": "MultiheadSelfAttention", "num_heads": 2}))
    out = model(torch.randn(3, 6, 8))
    weights = model.multiheadselfattention1.last_attention
    assert out.shape == (3, 6, 8) and weights.shape == (3, 2, 6, 6)
    assert not weights.requires_grad
    assert torch.allclose(weights.sum(-1), torch.ones(3, 2, 6))


def test_transformer_layer_keeps_attention_in_eval_mode_only():
    model = dlcore.build_model(spec((5, 8), {"type": "TransformerEncoderLayer", "nhead": 2, "dropout": 0.0}))
    layer = model.transformerencoderlayer1
    x = torch.randn(3, 5, 8)
    model(x)
    assert layer.last_attention is None  # training steps do no extra work
    model.eval()
    with torch.no_grad():
        model(x)
    assert layer.last_attention.shape == (3, 2, 5, 5)
    assert torch.allclose(layer.last_attention.sum(-1), torch.ones(3, 2, 5))


@pytest.mark.parametrize(
    "layer",
    [
        {"type": "MultiheadSelfAttention", "num_heads": 2, "causal": True},
        {"type": "TransformerEncoderLayer", "nhead": 2, "dropout": 0.0, "causal": True},
    ],
)
def test_causal_attention_never_looks_ahead(layer):
    model = dlcore.build_model(spec((6, 8), layer)).eval()
    x = torch.randn(2, 6, 8)
    changed = x.clone()
    changed[:, 4:] = torch.randn(2, 2, 8)  # only the last two positions change
    with torch.no_grad():
        out, out_changed = model(x), model(changed)
    weights = model[0].last_attention  # (B, heads, L, L): row i = where position i looked
    assert torch.allclose(out[:, :4], out_changed[:, :4], atol=1e-6)  # earlier positions cannot tell
    assert not torch.allclose(out[:, 4:], out_changed[:, 4:])
    assert torch.all(weights.triu(1) == 0) and torch.allclose(weights.sum(-1), torch.ones(2, 2, 6))


def test_attention_without_causal_looks_everywhere():
    layer = {"type": "TransformerEncoderLayer", "nhead": 2, "dropout": 0.0}
    model = dlcore.build_model(spec((6, 8), layer)).eval()
    x = torch.randn(2, 6, 8)
    changed = x.clone()
    changed[:, -1] = torch.randn(2, 8)
    with torch.no_grad():
        assert not torch.allclose(model(x)[:, 0], model(changed)[:, 0])


def test_token_models_take_integer_ids():
    tokens = spec((9,), {"type": "Embedding", "num_embeddings": 7, "embedding_dim": 4})
    x = dlcore.example_input(tokens, batch_size=5)
    assert x.dtype == torch.int64 and x.shape == (5, 9) and int(x.max()) < 7
    assert dlcore.build_model(tokens)(x).shape == (5, 9, 4)


@pytest.mark.parametrize("name", ["mlp2d", "cnn28", "lstm_seq"])
def test_benchmark_workloads_compute_exactly_what_the_hand_written_models_do(name):
    # The speed benchmark is fair only if both sides are the same network: same weights, same outputs.
    workload = WORKLOADS[name]
    spec = dlcore.ModelSpec.from_dict(workload.spec)
    model, reference = dlcore.build_model(spec), workload.plain_model()
    reference.load_state_dict(dict(zip(reference.state_dict(), model.state_dict().values(), strict=True)))
    x = dlcore.example_input(spec, batch_size=4)
    assert torch.equal(model(x), reference(x))


def test_benchmark_transformer_has_the_hand_written_parameters_and_output():
    workload = WORKLOADS["transformer_reverse"]
    spec = dlcore.ModelSpec.from_dict(workload.spec)
    model, reference = dlcore.build_model(spec), workload.plain_model()
    assert sum(p.numel() for p in model.parameters()) == sum(p.numel() for p in reference.parameters())
    x = dlcore.example_input(spec, batch_size=2)
    assert model(x).shape == (2, 32, 16)  # per position; the hand-written loop transposes for its loss
    assert reference(x).shape == (2, 16, 32)


def test_benchmark_denoiser_is_the_preset_network_with_the_engine_noise_schedule():
    from dlcore.training.diffusion import alpha_bars

    workload = WORKLOADS["diffusion2d"]
    spec = dlcore.ModelSpec.from_dict(workload.spec)
    model, reference = dlcore.build_model(spec), workload.plain_model()
    reference.net.load_state_dict(
        dict(zip(reference.net.state_dict(), model.state_dict().values(), strict=True))
    )
    x = dlcore.example_input(spec, batch_size=4)
    assert torch.equal(model(x), reference.net(x))
    engine = alpha_bars("linear", reference.timesteps)
    assert torch.allclose(reference.signal, engine.sqrt().float())
    assert torch.allclose(reference.noise, (1 - engine).sqrt().float())


def test_build_model_returns_a_fresh_model_in_training_mode():
    a, b = dlcore.build_model(ISSUE_EXAMPLE), dlcore.build_model(ISSUE_EXAMPLE)
    assert a.training and a is not b
    assert not torch.equal(a.conv2d1.weight, b.conv2d1.weight)


def test_output_shape_and_validate_agree_with_summarize():
    assert dlcore.output_shape(ISSUE_EXAMPLE) == (10,)
    assert dlcore.validate(ISSUE_EXAMPLE) is None
    assert dlcore.summarize(ISSUE_EXAMPLE).iloc[-1].output_shape == (10,)


@PROPERTY
@given(valid_specs())
def test_random_valid_specs_build_and_match_the_summary(spec_dict):
    table = dlcore.summarize(spec_dict)
    model = dlcore.build_model(spec_dict)
    model.eval()  # BatchNorm on a batch of one value would refuse in training mode
    x = dlcore.example_input(spec_dict, batch_size=2)
    out = model(x)
    assert tuple(out.shape) == (2, *dlcore.output_shape(spec_dict))
    seen = output_shapes_by_hook(model, x, table.name)
    for row in table.itertuples():
        assert seen[row.name] == row.output_shape, row.name
        assert sum(p.numel() for p in model.get_submodule(row.name).parameters()) == row.params
        if not row.trainable:  # a frozen layer (or block): none of its weights gets a gradient
            assert not any(p.requires_grad for p in model.get_submodule(row.name).parameters())
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    assert table.attrs["frozen_params"] == frozen
    assert table.attrs["trainable_params"] == table.attrs["total_params"] - frozen
    if any(p.requires_grad for p in model.parameters()):
        model.train()
        model(x).float().sum().backward()  # trainable end to end


# Layers whose work PyTorch's flop counter sees in full (it skips norms and fused attention kernels).
COUNTED = {"Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "MultiheadSelfAttention"}


@PROPERTY
@given(valid_specs())
def test_summary_macs_match_pytorchs_flop_counter(spec_dict):
    table = dlcore.summarize(spec_dict)
    model = dlcore.build_model(spec_dict).eval().requires_grad_(True)  # frozen layers too: see below
    with FlopCounterMode(display=False) as counter:  # with grad on, attention skips its fused fast path
        model(dlcore.example_input(spec_dict, batch_size=1))
    flops = counter.get_flop_counts()
    for row in table.itertuples():
        if row.type in COUNTED:
            assert sum(flops.get(f"Sequential.{row.name}", {}).values()) == 2 * row.macs, row.name


@PROPERTY
@given(corrupted_specs())
def test_random_corrupted_specs_raise_spec_error_or_still_work(spec_dict):
    try:
        model = dlcore.build_model(spec_dict)
        table = dlcore.summarize(spec_dict)
        code = dlcore.to_pytorch_code(spec_dict)
    except SpecError as err:
        assert err.reason and (str(err).startswith("Layer ") or err.layer_path is None)
        return
    model.eval()
    out = model(dlcore.example_input(spec_dict, batch_size=2))
    assert tuple(out.shape[1:]) == table.attrs["output_shape"] and "class Net(nn.Module)" in code


def test_a_frozen_layer_and_everything_in_a_frozen_block_get_no_gradient():
    spec = {
        "input_shape": [4],
        "layers": [
            {"type": "Linear", "out_features": 8, "trainable": False},
            {"type": "Residual", "trainable": False, "layers": [{"type": "Linear", "out_features": 6}]},
            {"type": "Linear", "out_features": 3},
        ],
    }
    model = dlcore.build_model(spec)
    learning = {name for name, p in model.named_parameters() if p.requires_grad}
    assert learning == {"linear3.weight", "linear3.bias"}  # the block's skip projection is frozen too
    table = dlcore.summarize(spec)
    assert table.set_index("name")["trainable"].to_dict() == {
        "linear1": False,
        "residual1": False,
        "residual1.linear2": False,
        "residual1.shortcut": False,
        "linear3": True,
    }
    assert table.attrs["trainable_params"] == 6 * 3 + 3
