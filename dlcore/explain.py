"""Why did the model say that? One `explain(method, model, x, target)` over a registry of Captum methods.

Every method answers the same question — how much did each input value push the score of class `target`
— and returns a tensor shaped like the input, so a page can put any of them side by side. Token inputs
(integer indices into an Embedding) cannot be differentiated, so for them the attribution is taken with
respect to the embedding vectors and summed per token: the result is shaped like the token indices.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from captum.attr import (
    DeepLift,
    GuidedBackprop,
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    LayerGradientXActivation,
    NoiseTunnel,
    Occlusion,
    Saliency,
)
from torch import nn

from dlcore.errors import DlcoreError
from dlcore.registry import Registry


class ExplainError(DlcoreError):
    """An explanation that cannot be computed for this model or input (the message says what to change)."""


@dataclass(frozen=True)
class Method:
    """One attribution method: `compute(model, x, target, layer)` returns an input-shaped tensor."""

    name: str
    title: str
    help: str
    compute: Callable[[nn.Module, torch.Tensor, torch.Tensor, nn.Module | None], torch.Tensor]
    needs_conv_layer: bool = False
    signed: bool = True  # False: the map is a magnitude (>= 0), drawn with a one-sided colour scale


METHODS: Registry[Method] = Registry("explanation method", ExplainError)


def _saliency(model, x, target, layer):
    return Saliency(model).attribute(x, target=target, abs=True)


def _integrated_gradients(model, x, target, layer):
    # 32 steps keep a 28×28 CNN well under 2 s on a CPU; the baseline is an all-zero (= mean) input.
    return IntegratedGradients(model).attribute(x, target=target, n_steps=32, internal_batch_size=32)


def _noise(x: torch.Tensor) -> float:
    """SmoothGrad's noise level: 15 % of the input's spread, as the paper suggests (10–20 %)."""
    return 0.15 * float((x.max() - x.min()).clamp(min=1e-6))


def _smoothgrad(model, x, target, layer):
    tunnel = NoiseTunnel(Saliency(model))
    return tunnel.attribute(x, nt_type="smoothgrad", nt_samples=16, stdevs=_noise(x), target=target, abs=True)


def _smoothgrad_ig(model, x, target, layer):
    # 8 noisy copies × 16 steps: as many gradients as plain Integrated Gradients' 32 steps, four times over.
    tunnel = NoiseTunnel(IntegratedGradients(model))
    return tunnel.attribute(
        x,
        nt_type="smoothgrad",
        nt_samples=8,
        stdevs=_noise(x),
        target=target,
        n_steps=16,
        internal_batch_size=64,
    )


def _grad_cam(model, x, target, layer):
    cam = LayerGradCam(model, layer).attribute(x, target=target, relu_attributions=True)  # (B, 1, h, w)
    return _upsampled_cam(cam, x, "Grad-CAM")


def _hires_cam(model, x, target, layer):
    # Grad-CAM without averaging each channel's gradient over the image: gradient × activation, position
    # by position, summed over the channels (Draelos & Carin, 2020).
    per_channel = LayerGradientXActivation(model, layer).attribute(x, target=target)  # (B, C, h, w)
    cam = per_channel.sum(dim=1, keepdim=True).clamp(min=0)
    return _upsampled_cam(cam, x, "HiResCAM")


def _upsampled_cam(cam: torch.Tensor, x: torch.Tensor, title: str) -> torch.Tensor:
    """A layer's (B, 1, h, w) class-activation map stretched bilinearly over the input image."""
    if cam.dim() != 4:
        raise ExplainError(
            f"{title} needs a convolution layer whose output is a (channels, height, width) map"
        )
    cam = LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear")
    return cam.expand_as(x)


def _occlusion(model, x, target, layer):
    window, strides = occlusion_window(tuple(x.shape[1:]))
    return Occlusion(model).attribute(
        x, sliding_window_shapes=window, strides=strides, target=target, perturbations_per_eval=64
    )


def occlusion_window(shape: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The patch hidden at a time: about 1/7 of an image's side over all channels, one feature, one step."""
    if len(shape) == 3:  # (C, H, W)
        c, h, w = shape
        side = max(2, min(h, w) // 7)
        stride = max(1, side // 2)
        return (c, side, side), (c, stride, stride)
    if len(shape) == 2:  # (L, F): one time step at a time
        return (1, shape[1]), (1, shape[1])
    return (1,) * len(shape), (1,) * len(shape)


def _deeplift(model, x, target, layer):
    return DeepLift(model).attribute(x, target=target)


def _guided_backprop(model, x, target, layer):
    return GuidedBackprop(model).attribute(x, target=target)


for _method in (
    Method(
        "saliency",
        "Saliency",
        "The gradient of the class score with respect to each input value: which pixels would change the "
        "score most if nudged a little. Fast, but noisy.",
        _saliency,
        signed=False,
    ),
    Method(
        "integrated_gradients",
        "Integrated Gradients",
        "Walks from a blank input to the real one in small steps and adds up the gradients along the way. "
        "The attributions add up to the score difference between the input and the blank one.",
        _integrated_gradients,
    ),
    Method(
        "smoothgrad",
        "SmoothGrad",
        "Saliency averaged over 16 noisy copies of the input. The noise cancels out, the pixels that "
        "matter stay: a cleaner map than plain saliency.",
        _smoothgrad,
        signed=False,
    ),
    Method(
        "smoothgrad_ig",
        "SmoothGrad × IG",
        "Integrated Gradients averaged over 8 noisy copies of the input: the signed, additive answer of "
        "Integrated Gradients with the noise of a single path smoothed away.",
        _smoothgrad_ig,
    ),
    Method(
        "grad_cam",
        "Grad-CAM",
        "Weights a convolution layer's feature maps by how much the class score depends on each, and "
        "upsamples the result: a coarse 'where did the network look' map for that layer.",
        _grad_cam,
        needs_conv_layer=True,
        signed=False,
    ),
    Method(
        "hirescam",
        "HiResCAM",
        "Grad-CAM without the averaging: each feature map is weighted by the class score's gradient at "
        "every position, not by one average per map, so it shows where in the layer the evidence is "
        "rather than lighting everything a useful feature map responds to.",
        _hires_cam,
        needs_conv_layer=True,
        signed=False,
    ),
    Method(
        "occlusion",
        "Occlusion",
        "Covers one patch of the input at a time and measures how much the class score drops. No "
        "gradients at all: the most literal test, and the slowest.",
        _occlusion,
    ),
    Method(
        "deeplift",
        "DeepLift",
        "Compares every neuron with its value for a blank reference input and shares out the score "
        "difference layer by layer. Close to Integrated Gradients in one backward pass.",
        _deeplift,
    ),
    Method(
        "guided_backprop",
        "Guided Backprop",
        "A gradient in which every ReLU lets only positive signals flow back. Sharp, pretty maps — but in "
        "large image networks they hardly change when the top layers are randomised (Adebayo et al., "
        "2018). Put it through the sanity check.",
        _guided_backprop,
    ),
):
    METHODS.register(_method.name, _method)


def methods() -> list[Method]:
    """All attribution methods, in the order a page shows them."""
    return [m for _, m in METHODS.items()]


def conv_layer_names(model: nn.Module) -> list[str]:
    """Names of the model's 2-D convolution layers (where Grad-CAM and HiResCAM look), input to output."""
    return [name for name, module in model.named_modules() if isinstance(module, nn.Conv2d)]


def explain(
    method: str,
    model: nn.Module,
    x: torch.Tensor,
    target: int | torch.Tensor,
    layer: str | None = None,
) -> torch.Tensor:
    """Attribution of class `target`'s score to each value of `x`, by `method` (a name in `METHODS`).

    x: a batch (B, *input_shape), already normalised like the training data (one input: `x[None]`).
    target: the class index (one int for every row, or one per row). layer: the convolution layer's name,
    only for Grad-CAM and HiResCAM (default: the last one). Returns a CPU tensor shaped like `x`, detached.
    The model is used as given (call it on a snapshot, not on a model that is training).
    """
    spec = METHODS.get(method)
    batch = x
    targets = torch.as_tensor(target, dtype=torch.long).reshape(-1)
    if targets.numel() == 1:
        targets = targets.expand(batch.shape[0])
    target_module = _layer_for(model, spec, layer)
    was_training = model.training
    model.eval()
    try:
        with warnings.catch_warnings():
            # Captum warns about gradient requirements and hook order on every call: not a student's concern.
            warnings.simplefilter("ignore")
            scored = _with_two_logits(model, batch)
            if batch.dtype in (torch.int64, torch.int32):
                attr = _explain_tokens(spec, scored, batch, targets, target_module)
            else:
                attr = spec.compute(scored, batch.float(), targets, target_module)
    except ExplainError:
        raise
    except (RuntimeError, AssertionError, IndexError, ValueError) as err:
        raise ExplainError(f"{spec.title} could not explain this model: {err}") from err
    finally:
        model.train(was_training)
    return attr.detach().cpu().float()


class _TwoLogits(nn.Module):
    """A one-logit binary classifier as two class scores (-logit, +logit): both classes get a score."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logit = self.model(x)  # (B, 1)
        return torch.cat([-logit, logit], dim=-1)


def _with_two_logits(model: nn.Module, batch: torch.Tensor) -> nn.Module:
    with torch.no_grad():
        width = model(batch[:1]).shape[-1]
    return _TwoLogits(model).eval() if width == 1 else model


def _layer_for(model: nn.Module, spec: Method, layer: str | None) -> nn.Module | None:
    if not spec.needs_conv_layer:
        return None
    names = conv_layer_names(model)
    if not names:
        raise ExplainError(f"{spec.title} needs a Conv2d layer to look at, and this model has none")
    if layer is None:
        layer = names[-1]
    if layer not in names:
        raise ExplainError(
            f"{spec.title}: '{layer}' is not a convolution layer (choose one of {', '.join(names)})"
        )
    return model.get_submodule(layer)


class _FromEmbeddings(nn.Module):
    """The model with its first Embedding's output supplied from outside: forward(embeddings (B, L, D))."""

    def __init__(self, model: nn.Module, embedding: nn.Embedding, tokens: torch.Tensor):
        super().__init__()
        self.model = model
        self.embedding = embedding
        self.tokens = tokens  # (B, L) the real tokens: only their count and positions are used
        self._replacement: torch.Tensor | None = None

    def forward(self, embeddings: torch.Tensor) -> torch.Tensor:
        self._replacement = embeddings
        handle = self.embedding.register_forward_hook(lambda module, inputs, output: self._replacement)
        try:
            reps = embeddings.shape[0] // self.tokens.shape[0]
            return self.model(self.tokens.repeat(reps, 1))
        finally:
            handle.remove()


def _explain_tokens(spec, model, tokens, targets, target_module):
    embedding = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    if embedding is None:
        raise ExplainError(
            "integer inputs need an Embedding layer first, so there is something to differentiate"
        )
    if spec.needs_conv_layer:
        raise ExplainError(f"{spec.title} works on images; for tokens choose another method")
    with torch.no_grad():
        vectors = embedding(tokens)  # (B, L, D)
    wrapper = _FromEmbeddings(model, embedding, tokens).eval()
    return spec.compute(wrapper, vectors, targets, None).sum(dim=-1)  # (B, L): one number per token


def attribution_mass(attribution: torch.Tensor, region: torch.Tensor) -> float:
    """Share of the attribution's total magnitude that falls inside `region` ((H, W) bool), in [0, 1]."""
    heat = attribution.abs()
    while heat.dim() > region.dim():
        heat = heat.sum(dim=0)
    total = float(heat.sum())
    return float(heat[region].sum()) / total if total > 0 else 0.0


def rank_correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    """Spearman rank correlation of two maps' magnitudes: 1 = same ranking of inputs, 0 = unrelated."""
    ra = np.argsort(np.argsort(a.abs().flatten().numpy())).astype(float)
    rb = np.argsort(np.argsort(b.abs().flatten().numpy())).astype(float)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def parametric_layers(model: nn.Module) -> list[str]:
    """Names of the leaf layers that have weights, input to output."""
    return [
        name
        for name, module in model.named_modules()
        if name and not list(module.children()) and any(True for _ in module.parameters(recurse=False))
    ]


def randomisation_check(
    method: str,
    model: nn.Module,
    x: torch.Tensor,
    target: int,
    layer: str | None = None,
    seed: int = 0,
) -> list[dict]:
    """The model-randomisation sanity check (Adebayo et al., 2018).

    Re-initialises the layers with weights one at a time from the output back to the input (cascading:
    each stage keeps the earlier re-initialisations) and explains `x` again at every stage. A method whose
    map barely changes when the weights become random cannot be telling us about what the model learned.
    Returns one dict per stage: `stage` (label), `layer` (re-initialised last, None for the original),
    `attribution` (input-shaped) and `similarity` (rank correlation with the original map).
    """
    original = explain(method, model, x, target, layer)
    stages = [{"stage": "trained model", "layer": None, "attribution": original, "similarity": 1.0}]
    randomised = copy.deepcopy(model)
    torch.manual_seed(seed)
    for name in reversed(parametric_layers(randomised)):
        module = randomised.get_submodule(name)
        if not hasattr(module, "reset_parameters"):
            continue
        module.reset_parameters()
        attr = explain(method, randomised, x, target, layer)
        stages.append(
            {
                "stage": f"random from {name} up",
                "layer": name,
                "attribution": attr,
                "similarity": rank_correlation(original, attr),
            }
        )
    return stages
