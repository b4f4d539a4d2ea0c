"""Every number the backprop stepper shows equals autograd's, for three networks and two losses: forward
values, ∂L/∂a, ∂L/∂z, ∂a/∂z, each weight's gradient and chain-rule factors, and the update."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from dlcore.learning import MAX_WEIGHTS, BackpropNet, LearningError, steps, trace
from dlcore.learning.backprop import build

NETWORKS = {
    "2-2-1 sigmoid": dict(widths=(2, 2, 1), activation="sigmoid"),
    "3-3-2 tanh": dict(widths=(3, 3, 2), activation="tanh", x=(0.5, -1.0, 2.0)),
    "2-3-2-2 relu": dict(widths=(2, 3, 2, 2), activation="relu", x=(1.5, -0.5), seed=3),
}
LOSSES = {"mse": dict(loss="mse"), "cross_entropy": dict(loss="cross_entropy", label=1)}


def make_net(network: str, loss: str) -> BackpropNet:
    """The network with that loss (cross-entropy gets 2 outputs where it had 1), its example fitted."""
    net = BackpropNet(**NETWORKS[network], **LOSSES[loss])
    widths = net.widths[:-1] + (max(net.widths[-1], 2 if loss == "cross_entropy" else 1),)
    return net.resized(widths)


def reference(net: BackpropNet):
    """The same network as a plain nn.Sequential, its forward values read with hooks and its gradients
    with tensor hooks (the oracle: no code shared with the stepper but the weights)."""
    layers = []
    for i, linear in enumerate(build(net), start=1):
        layers.append(linear)
        if i < len(net.widths) - 1 and net.activation != "linear":
            layers.append({"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}[net.activation]())
    model = nn.Sequential(*layers)
    outputs, grads = {}, {}

    def keep(name):
        def hook(module, inputs, output):
            outputs[name] = output
            output.register_hook(lambda g: grads.__setitem__(name, g))

        return hook

    for name, module in model.named_children():
        module.register_forward_hook(keep(name))
    out = model(torch.tensor([net.x]))
    if net.loss == "mse":
        loss = nn.functional.mse_loss(out, torch.tensor([net.targets]))
    else:
        loss = nn.functional.cross_entropy(out, torch.tensor([net.label]))
    loss.backward()
    return model, outputs, grads, loss.item()


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("network", NETWORKS)
def test_every_number_equals_autograds(network, loss):
    net = make_net(network, loss)
    t = trace(net)
    model, outputs, grads, loss_value = reference(net)
    assert t.loss == pytest.approx(loss_value, rel=1e-6)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    names = dict(model.named_children())
    for n, linear in enumerate(linears, start=1):
        z_name = next(k for k, v in names.items() if v is linear)
        act_name = str(int(z_name) + 1) if n < len(linears) and str(int(z_name) + 1) in names else z_name
        for j, neuron in enumerate(t.neurons[n]):
            assert neuron.z == pytest.approx(outputs[z_name][0, j].item(), abs=1e-6)
            assert neuron.a == pytest.approx(outputs[act_name][0, j].item(), abs=1e-6)
            assert neuron.dl_dz == pytest.approx(grads[z_name][0, j].item(), abs=1e-6)
            assert neuron.dl_da == pytest.approx(grads[act_name][0, j].item(), abs=1e-6)
            assert neuron.dl_da * neuron.da_dz == pytest.approx(neuron.dl_dz, abs=1e-6)
            if neuron.sum_terms:  # ∂L/∂a as the sum over the paths into the next layer
                assert sum(g * w for g, w in neuron.sum_terms) == pytest.approx(neuron.dl_da, abs=1e-6)
        for w in (w for w in t.weights if w.layer == n):
            grad = (
                linear.weight.grad[w.target, w.source] if w.source is not None else linear.bias.grad[w.target]
            )
            assert w.grad == pytest.approx(grad.item(), abs=1e-6)
            assert math.prod(w.factors) == pytest.approx(w.grad, abs=1e-6)  # the chain rule's product


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_update_is_the_optimizers_step(optimizer):
    net = BackpropNet(optimizer=optimizer, lr=0.1)
    t = trace(net)
    model, _, _, _ = reference(net)
    step = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer](model.parameters(), lr=0.1)
    step.step()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    for w in t.weights:
        linear = linears[w.layer - 1]
        new = linear.weight[w.target, w.source] if w.source is not None else linear.bias[w.target]
        assert w.new_value == pytest.approx(new.item(), abs=1e-6)
    assert t.new_loss < t.loss


def test_the_next_round_starts_from_the_updated_weights():
    first, second = trace(BackpropNet()), trace(BackpropNet(rounds=1))
    assert [w.value for w in second.weights] == pytest.approx([w.new_value for w in first.weights], abs=1e-6)
    assert second.loss == pytest.approx(first.new_loss, rel=1e-5)


def test_the_written_chain_rule_shows_autograds_numbers():
    t = trace(BackpropNet())
    lines = " ".join(line for step in steps(t) for line in step.lines)
    for w in t.weights:
        assert f"∂L/∂{w.name} = ∂L/∂a · ∂a/∂z · ∂z/∂{w.name}" in lines
        assert f"= {w.grad:.4g}" in lines


def test_steps_go_forward_node_by_node_then_loss_backward_and_update():
    kinds = [s.kind for s in steps(trace(BackpropNet(widths=(2, 3, 2, 1))))]
    assert kinds == ["forward"] * 6 + ["loss"] + ["backward"] * 6 + ["update"]


def test_a_network_too_big_to_show_names_the_limit_and_what_to_change():
    with pytest.raises(LearningError, match="37 weights.*at most 30.*fewer neurons"):
        trace(BackpropNet(widths=(2, 4, 4, 1)).resized((2, 4, 4, 1)))


def test_cross_entropy_needs_two_outputs():
    with pytest.raises(LearningError, match="at least 2 neurons"):
        trace(BackpropNet(loss="cross_entropy"))


@given(
    widths=st.lists(st.integers(1, 3), min_size=2, max_size=4),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "elu", "gelu", "silu", "leaky_relu", "linear"]),
    seed=st.integers(0, 100),
)
def test_every_gradient_is_its_chain_rule_product(widths, activation, seed):
    net = BackpropNet(activation=activation, seed=seed).resized(tuple(widths))
    assume(net.weight_count <= MAX_WEIGHTS)
    t = trace(net)
    for w in t.weights:
        assert math.prod(w.factors) == pytest.approx(w.grad, abs=1e-6)
