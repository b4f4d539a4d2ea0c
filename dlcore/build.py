"""Spec -> nn.Module: the model a spec describes, its submodules named after the spec's layers."""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from dlcore.errors import SpecError
from dlcore.layers import Residual
from dlcore.optim import initialise
from dlcore.plan import Node, as_spec, instantiate, resolve
from dlcore.spec import ModelSpec


def build_model(spec: ModelSpec | dict) -> nn.Module:
    """Build the model `spec` describes (on the CPU, in training mode).

    forward(x) takes a batch (B, *input_shape) — int64 token ids when the first layer is an Embedding —
    and returns (B, *output_shape). Submodule names match `summarize(spec)["name"]`, e.g.
    `model.get_submodule("residual1.conv2d3")`. A frozen layer's weights (`"trainable": false`) have
    requires_grad False. Raises SpecError for an invalid spec.
    """
    plan = resolve(as_spec(spec))
    return nn.Sequential(OrderedDict((node.local_name, _build(node)) for node in plan.nodes))


def _build(node: Node) -> nn.Module:
    if node.type.block:
        body = {child.local_name: _build(child) for child in node.children}
        if node.type.name == "Residual":
            return Residual(body, _build(node.shortcut) if node.shortcut else None)
        return nn.Sequential(OrderedDict(body))
    try:
        module = instantiate(node.ctor)
    except (RuntimeError, ValueError, TypeError) as err:  # resolve() built it on meta; memory can still fail
        raise SpecError(
            f"PyTorch cannot build this layer ({err})", layer_path=node.path, layer_type=node.type.name
        ) from err
    initialise(module, node.init, node.init_std)
    if not node.trainable:
        module.requires_grad_(False)  # frozen: no gradients, and the optimizers leave its weights alone
    return module


def example_input(spec: ModelSpec | dict, batch_size: int = 2) -> torch.Tensor:
    """A random batch the model accepts: (batch_size, *input_shape), token ids for Embedding models."""
    plan = resolve(as_spec(spec))
    shape = (batch_size, *plan.spec.input_shape)
    if plan.takes_tokens:
        return torch.randint(0, plan.nodes[0].args["num_embeddings"], shape)
    return torch.randn(shape)
