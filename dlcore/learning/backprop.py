"""Backpropagation, one number at a time: a tiny network's forward values, its gradients and the chain-rule
factors whose product each gradient is, all read from PyTorch's autograd on one example.

`trace(net)` builds the network (`nn.Linear` layers and the playground's activations), runs one forward
pass with `retain_grad` on every pre-activation z and activation a, one backward pass, and one optimizer
step. Each chain-rule factor is autograd's own number: ∂L/∂a and ∂L/∂z are the retained gradients, ∂a/∂z
is the gradient of the activation alone at z, ∂z/∂w is the input the weight multiplies. Their product is
the weight's `.grad` (tests check every one). `steps(trace)` orders what a student reveals: forward node
by node, the loss, backward node by node, the update.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch
from torch import nn

from dlcore.errors import DlcoreError
from dlcore.optim import LOSSES, OPTIMIZERS, make_loss, make_optimizer
from dlcore.params import Param

MAX_WEIGHTS = 30  # beyond this a drawing with every number on it is unreadable on a projector
LOSS_NAMES = ("mse", "cross_entropy")
# activation -> the PyTorch layer that computes it (None: the neuron is linear); the 2-D playground's set
ACTIVATIONS: dict[str, type[nn.Module] | None] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "linear": None,
}
WIDTH = Param("width", "int", 2, "Neurons in a layer.", min=1, max=6)
INPUT_VALUE = Param("input", "float", 1.0, "The example's input value.", min=-10.0, max=10.0)
STEPPER_LR = Param("lr", "float", 0.5, "Learning rate of the one update.", min=1e-4, max=10.0, log=True)


class LearningError(DlcoreError):
    """A setup a learning tool cannot use (a network too big to draw, a start off the map, ...)."""


@dataclass(frozen=True)
class BackpropNet:
    """The stepper's network and example: layer widths (inputs, hidden..., outputs), one activation for
    the hidden layers (the outputs stay linear, as a loss on logits or values wants), the loss, the
    example (`x`, and `targets` for MSE or the class `label` for cross-entropy), the optimizer of the one
    update, and `rounds`: how many updates on this example came before (replayed from the seed)."""

    widths: tuple[int, ...] = (2, 2, 1)
    activation: str = "sigmoid"
    loss: str = "mse"
    x: tuple[float, ...] = (1.0, 0.5)
    targets: tuple[float, ...] = (1.0,)
    label: int = 0
    optimizer: str = "sgd"
    lr: float = 0.5
    seed: int = 0
    rounds: int = 0

    @property
    def weight_count(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.widths, self.widths[1:], strict=False))

    def resized(self, widths: tuple[int, ...]) -> BackpropNet:
        """This setup on layers `widths`, with the example's values padded or cut to fit, and round 0."""
        x = (self.x + (INPUT_VALUE.default,) * widths[0])[: widths[0]]
        targets = (self.targets + (0.0,) * widths[-1])[: widths[-1]]
        return replace(
            self, widths=widths, x=x, targets=targets, label=min(self.label, widths[-1] - 1), rounds=0
        )


def check(net: BackpropNet) -> None:
    """Raise LearningError, naming the field and what to change, for a setup the stepper cannot show."""
    if len(net.widths) < 2 or any(w < WIDTH.min or w > WIDTH.max for w in net.widths):
        raise LearningError(
            f"each layer needs {WIDTH.min} to {WIDTH.max} neurons, and there must be inputs and outputs "
            f"(got {'-'.join(map(str, net.widths))})",
            field="widths",
        )
    if net.weight_count > MAX_WEIGHTS:
        raise LearningError(
            f"this network has {net.weight_count} weights and biases; the stepper shows at most "
            f"{MAX_WEIGHTS} so every number stays readable: remove a layer or use fewer neurons",
            field="widths",
        )
    if net.activation not in ACTIVATIONS:
        raise LearningError(f"unknown activation '{net.activation}' (known: {', '.join(ACTIVATIONS)})")
    if net.loss not in LOSS_NAMES:
        raise LearningError(f"the stepper's loss is MSE or cross-entropy, not '{net.loss}'", field="loss")
    if net.loss == "cross_entropy" and net.widths[-1] < 2:
        raise LearningError(
            "cross-entropy picks one of several classes: give the output layer at least 2 neurons, "
            "or use MSE",
            field="loss",
        )
    if len(net.x) != net.widths[0] or len(net.targets) != net.widths[-1]:
        raise LearningError("give one input value per input neuron and one target per output", field="x")
    for value in (*net.x, *net.targets):
        try:
            INPUT_VALUE.coerce(value)
        except ValueError as err:
            raise LearningError(f"the example's values: {err}", field="x") from None
    if not 0 <= net.label < net.widths[-1]:
        raise LearningError(f"the class must be 0 to {net.widths[-1] - 1}", field="label")
    OPTIMIZERS.get(net.optimizer)
    STEPPER_LR.coerce(net.lr)


@dataclass(frozen=True)
class Neuron:
    """One node's numbers. Inputs have only `a`; the others z (before) and a (after the activation), and
    after the backward pass ∂L/∂a, ∂a/∂z and ∂L/∂z (= their product). `sum_terms` for a hidden neuron:
    (∂L/∂z of each next-layer neuron, the weight joining them), whose products sum to ∂L/∂a."""

    layer: int
    index: int
    a: float
    z: float | None = None
    dl_da: float | None = None
    da_dz: float | None = None
    dl_dz: float | None = None
    sum_terms: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Weight:
    """One weight (`source` is the index of the neuron it comes from in layer-1) or bias (`source` None)
    into neuron `target` of `layer`: its value, its gradient, the chain-rule factors (∂L/∂a, ∂a/∂z, ∂z/∂w)
    whose product the gradient is, and its value after the update."""

    layer: int
    target: int
    source: int | None
    value: float
    grad: float
    factors: tuple[float, float, float]
    new_value: float

    @property
    def name(self) -> str:
        """w2[1,2]: layer 2's weight from neuron 2 of the layer before into its neuron 1; b2[1] a bias."""
        if self.source is None:
            return f"b{self.layer}[{self.target + 1}]"
        return f"w{self.layer}[{self.target + 1},{self.source + 1}]"


@dataclass(frozen=True)
class Trace:
    """Everything the stepper shows for one round: neurons by layer, weights, loss, outputs."""

    net: BackpropNet
    neurons: tuple[tuple[Neuron, ...], ...]
    weights: tuple[Weight, ...]
    loss: float
    new_loss: float  # the loss on the same example after the update
    probabilities: tuple[float, ...] = field(default=())  # softmax of the outputs, for cross-entropy


def build(net: BackpropNet) -> nn.ModuleList:
    """One nn.Linear per layer, weights drawn from the seed and rounded to 2 decimals (readable numbers)."""
    generator = torch.Generator().manual_seed(net.seed)
    layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(net.widths, net.widths[1:], strict=False))
    with torch.no_grad():
        for layer in layers:
            for p in layer.parameters():
                p.copy_((torch.rand(p.shape, generator=generator) * 2 - 1).round(decimals=2))
    return layers


def _activation(net: BackpropNet, layer: int) -> nn.Module | None:
    """The activation after linear layer `layer` (1-based); the output layer has none."""
    kind = ACTIVATIONS[net.activation]
    return kind() if kind is not None and layer < len(net.widths) - 1 else None


def _forward(net: BackpropNet, layers: nn.ModuleList, x: torch.Tensor):
    """zs and activations per layer (layer 0's activation is the input), every one keeping its grad."""
    zs, acts = [None], [x]
    for i, linear in enumerate(layers, start=1):
        z = linear(acts[-1])
        act = _activation(net, i)
        a = act(z) if act is not None else z
        z.retain_grad()
        if a is not z:
            a.retain_grad()
        zs.append(z)
        acts.append(a)
    return zs, acts


def _loss(net: BackpropNet, out: torch.Tensor) -> torch.Tensor:
    if net.loss == "mse":
        return make_loss("mse")(out, torch.tensor([net.targets]))
    return make_loss("cross_entropy")(out, torch.tensor([net.label]))


def _slope(net: BackpropNet, layer: int, z: torch.Tensor) -> list[float]:
    """∂a/∂z at each z of `layer`, from autograd on the activation alone (it acts elementwise)."""
    act = _activation(net, layer)
    if act is None:
        return [1.0] * z.shape[-1]
    leaf = z.detach().clone().requires_grad_(True)
    (slope,) = torch.autograd.grad(act(leaf).sum(), leaf)
    return slope[0].tolist()


def trace(net: BackpropNet) -> Trace:
    """One forward pass, backward pass and optimizer update of `net` on its example (see the module)."""
    check(net)
    layers = build(net)
    optimizer = make_optimizer(net.optimizer, layers.parameters(), net.lr)
    x = torch.tensor([net.x])  # (1, inputs): one example
    for _ in range(net.rounds):  # the updates before this round, from the same start
        optimizer.zero_grad()
        _loss(net, _forward(net, layers, x)[1][-1]).backward()
        optimizer.step()
    optimizer.zero_grad()
    zs, acts = _forward(net, layers, x)
    loss = _loss(net, acts[-1])
    loss.backward()
    neurons = [tuple(Neuron(0, i, v) for i, v in enumerate(x[0].tolist()))]
    for n in range(1, len(net.widths)):
        neurons.append(_layer_neurons(net, n, zs, acts, layers))
    before = [(p.detach().clone(), p.grad.clone()) for p in layers.parameters()]
    optimizer.step()
    weights = tuple(
        w for n, linear in enumerate(layers, start=1) for w in _weights(n, linear, neurons, before)
    )
    new_loss = _loss(net, _forward(net, layers, x)[1][-1]).item()
    probabilities = tuple(torch.softmax(acts[-1].detach(), dim=1)[0].tolist()) if net.loss != "mse" else ()
    return Trace(net, tuple(neurons), weights, loss.item(), new_loss, probabilities)


def _layer_neurons(
    net: BackpropNet, n: int, zs: list, acts: list, layers: nn.ModuleList
) -> tuple[Neuron, ...]:
    """Layer n's neurons with their forward values, their gradients and ∂L/∂a's sum over the next layer."""
    z, a = zs[n], acts[n]
    slopes = _slope(net, n, z)
    out = []
    for j in range(z.shape[1]):
        terms = ()
        if n < len(layers):  # a hidden neuron: its a feeds every neuron of layer n+1
            next_grads = zs[n + 1].grad[0].tolist()
            terms = tuple(zip(next_grads, layers[n].weight[:, j].tolist(), strict=True))
        out.append(
            Neuron(
                n,
                j,
                a[0, j].item(),
                z[0, j].item(),
                dl_da=a.grad[0, j].item(),
                da_dz=slopes[j],
                dl_dz=z.grad[0, j].item(),
                sum_terms=terms,
            )
        )
    return tuple(out)


def _weights(n: int, linear: nn.Linear, neurons, before) -> list[Weight]:
    """Layer n's weights and biases: value and gradient as they were before the update, the factors."""
    (w, w_grad), (b, b_grad) = before[2 * (n - 1)], before[2 * n - 1]
    out = []
    for j, target in enumerate(neurons[n]):
        for i, source in enumerate(neurons[n - 1]):
            factors = (target.dl_da, target.da_dz, source.a)  # ∂z/∂w is the input the weight multiplies
            out.append(
                Weight(n, j, i, w[j, i].item(), w_grad[j, i].item(), factors, linear.weight[j, i].item())
            )
        out.append(
            Weight(
                n,
                j,
                None,
                b[j].item(),
                b_grad[j].item(),
                (target.dl_da, target.da_dz, 1.0),
                linear.bias[j].item(),
            )
        )
    return out


# ---------------------------------------------------------------- what the student reveals, step by step


def fmt(value: float) -> str:
    """A number as the stepper writes it: 4 significant digits."""
    return f"{value:.4g}"


def term(value: float) -> str:
    """A number inside a sum or product: negatives in brackets, so "0.5 · (-0.3)" reads plainly."""
    return f"({fmt(value)})" if value < 0 else fmt(value)


def neuron_name(net: BackpropNet, layer: int, index: int) -> str:
    if layer == 0:
        return f"x{index + 1}"
    if layer == len(net.widths) - 1:
        return f"out{index + 1}"
    return f"h{layer}.{index + 1}"


@dataclass(frozen=True)
class Step:
    """One click of the stepper: `kind` (forward, loss, backward, update), the neuron it is about
    (layer, index; None for loss and update), a title and the lines of arithmetic it shows."""

    kind: str
    title: str
    lines: tuple[str, ...]
    layer: int | None = None
    index: int | None = None


def steps(t: Trace) -> list[Step]:
    """Forward through every neuron in order, the loss, backward from the outputs to the first hidden
    layer, then the update: what the stepper reveals, one click each."""
    net = t.net
    hidden_layers = range(1, len(net.widths))
    forward = [_forward_step(t, n, j) for n in hidden_layers for j in range(net.widths[n])]
    backward = [_backward_step(t, n, j) for n in reversed(hidden_layers) for j in range(net.widths[n])]
    return [*forward, _loss_step(t), *backward, _update_step(t)]


def _forward_step(t: Trace, n: int, j: int) -> Step:
    net, neuron = t.net, t.neurons[n][j]
    name = neuron_name(net, n, j)
    ins = [w for w in t.weights if w.layer == n and w.target == j]
    terms = " + ".join(
        f"{term(w.value)}·{term(t.neurons[n - 1][w.source].a)}" if w.source is not None else term(w.value)
        for w in ins
    )
    lines = [f"z = Σ w·a + b = {terms} = {fmt(neuron.z)}"]
    if _activation(net, n) is not None:
        lines.append(f"a = {net.activation}(z) = {net.activation}({fmt(neuron.z)}) = {fmt(neuron.a)}")
    else:
        lines.append(f"a = z = {fmt(neuron.a)} (no activation on this layer)")
    return Step("forward", f"Forward: {name}", tuple(lines), n, j)


def _loss_step(t: Trace) -> Step:
    net, outs = t.net, [o.a for o in t.neurons[-1]]
    if net.loss == "mse":
        parts = " + ".join(f"({fmt(o)} − {fmt(y)})²" for o, y in zip(outs, net.targets, strict=True))
        lines = [f"L = mean of (output − target)² = ({parts}) / {len(outs)} = {fmt(t.loss)}"]
    else:
        probs = ", ".join(fmt(p) for p in t.probabilities)
        lines = [
            f"softmax(outputs) = ({probs})",
            f"L = −log(p of the right answer, out{net.label + 1}) = "
            f"−log({fmt(t.probabilities[net.label])}) = {fmt(t.loss)}",
        ]
    return Step("loss", f"Loss ({LOSSES.get(net.loss).label})", tuple(lines))


def _backward_step(t: Trace, n: int, j: int) -> Step:
    net, neuron = t.net, t.neurons[n][j]
    name = neuron_name(net, n, j)
    if neuron.sum_terms:
        paths = " + ".join(f"{term(g)}·{term(w)}" for g, w in neuron.sum_terms)
        first = f"∂L/∂a = Σ ∂L/∂z(next) · w = {paths} = {fmt(neuron.dl_da)}"
    else:
        first = _output_gradient(t, j)
    lines = [
        first,
        f"∂a/∂z = {fmt(neuron.da_dz)},  ∂L/∂z = ∂L/∂a · ∂a/∂z = {fmt(neuron.dl_dz)}",
    ]
    for w in (w for w in t.weights if w.layer == n and w.target == j):
        da, dz, dw = w.factors
        lines.append(
            f"∂L/∂{w.name} = ∂L/∂a · ∂a/∂z · ∂z/∂{w.name} = "
            f"{term(da)} · {term(dz)} · {term(dw)} = {fmt(w.grad)}"
        )
    return Step("backward", f"Backward: {name}", tuple(lines), n, j)


def _output_gradient(t: Trace, j: int) -> str:
    """∂L/∂a of output j, written as the loss's derivative (the number is autograd's)."""
    net, out = t.net, t.neurons[-1][j]
    if net.loss == "mse":
        n = len(net.targets)
        written = f"2·({fmt(out.a)} − {term(net.targets[j])}) / {n}"
        return f"∂L/∂a = 2·(output − target) / {n} = {written} = {fmt(out.dl_da)}"
    hit = int(j == net.label)
    rule = f"p − (1 if out{j + 1} is the right answer, else 0)"
    return f"∂L/∂a = {rule} = {fmt(t.probabilities[j])} − {hit} = {fmt(out.dl_da)}"


def _update_step(t: Trace) -> Step:
    net = t.net
    title = f"Update ({OPTIMIZERS.get(net.optimizer).label}, lr = {fmt(net.lr)})"
    if net.optimizer == "sgd":
        lines = [
            f"{w.name} = {fmt(w.value)} − {fmt(net.lr)} · {term(w.grad)} = {fmt(w.new_value)}"
            for w in t.weights
        ]
    else:  # the other optimizers' steps also depend on their running averages: show before and after
        lines = [f"{w.name}: {fmt(w.value)} → {fmt(w.new_value)}" for w in t.weights]
    lines.append(f"The loss on this example goes from {fmt(t.loss)} to {fmt(t.new_loss)}.")
    return Step("update", title, tuple(lines))
