"""Autoencoder and variational autoencoder: an encoder squeezes each input into a code, a decoder rebuilds
the input from it, and the two learn together to make the rebuilt input match the original.

Two ways to give the models, both ending as a spec per role ("encoder", "decoder"):
- a spec per role: the encoder ends with the code, the decoder starts from it;
- one spec with a marked bottleneck, a layer named "code": `split_at_code(spec)` cuts it there into
  {"encoder": the layers up to and including "code", "decoder": the rest}. Layer names are kept, and
  building the two halves in that order after one seed gives the whole model's weights, so this trains
  the very network the student built.

The variational autoencoder (VAE) reads its encoder's output as a mean and a log-variance per latent number
(the first half and the second half of the code's first size: features, or channels), draws the latent
z = mean + exp(logvar / 2) · noise, and adds β · KL(q(z|x) ‖ N(0, I)) to the reconstruction loss. The KL
term is per input value, like the reconstruction loss (the config's, mse by default), so β = 1 weighs the
two as the evidence lower bound does. Its decoder takes the latent, half the code's first size, and
`sample(n)` decodes latents drawn from N(0, I). The plain autoencoder has no such prior, so no `sample`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import replace
from functools import partial

import torch
from torch import nn

from dlcore.errors import SpecError, TrainError
from dlcore.params import Param
from dlcore.plan import Node, Plan, as_spec, resolve
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.tasks import TASKS, fix_last_layer
from dlcore.training.loop import steps_per_epoch
from dlcore.training.objective import Objective, make_objective
from dlcore.training.recipe import RecipeKind, TrainData, optimizer_for, register_recipe, schedule_for
from dlcore.training.supervised import SupervisedRecipe

CODE_LAYER = "code"
ROLES = ("encoder", "decoder")
# Data whose inputs an autoencoder can rebuild: numbers (points, images, tables, signals), not token ids.
DATA_TASKS = ("generation", "binary", "multiclass", "regression")

BETA = Param(
    "beta",
    "float",
    1.0,
    "Weight of the KL term that pulls the codes towards a standard normal: higher gives a smoother latent "
    "space to sample from, lower gives sharper reconstructions.",
    min=0.0,
    max=100.0,
)


# --- one spec with a bottleneck -> a spec per role ----------------------------------------------------------


def split_at_code(spec: ModelSpec | dict, variational: bool = False) -> dict[str, ModelSpec]:
    """{"encoder": layers up to and including the one named "code", "decoder": the layers after it}.

    Every layer keeps the name it has in the whole model. For a VAE (`variational`) the decoder starts
    from the latent, half the code's first size, so its first layer takes half as many inputs as it does
    in the whole model. SpecError (saying how to mark the bottleneck) when there is no top-level "code".
    """
    plan = resolve(as_spec(spec))
    named = [_with_names(layer, node) for layer, node in zip(plan.spec.layers, plan.nodes, strict=True)]
    cut = next((i for i, node in enumerate(plan.nodes) if node.local_name == CODE_LAYER), None)
    if cut is None:
        raise _no_code_layer(plan, variational)
    code_shape = plan.nodes[cut].out_shape
    if cut == len(plan.nodes) - 1:
        raise SpecError(
            f"the layer named '{CODE_LAYER}' is the last layer, so there is no decoder after it: add the "
            "layers that rebuild the input after it",
            layer_path=plan.nodes[cut].path,
            layer_type=plan.nodes[cut].type.name,
            field="name",
        )
    encoder = replace(plan.spec, layers=named[: cut + 1])
    if variational:  # the encoder's layers sit where they sit in the whole model: the advice's numbers hold
        _check_even_code(resolve(encoder), "the layer named 'code'")
        code_shape = latent_shape(code_shape)
    decoder = replace(plan.spec, input_shape=code_shape, layers=named[cut + 1 :])
    return {"encoder": encoder, "decoder": decoder}


def latent_shape(code_shape: tuple[int, ...]) -> tuple[int, ...]:
    """A VAE's latent: the code's first size holds the means, then the log-variances."""
    return (code_shape[0] // 2, *code_shape[1:])


def _with_names(layer: LayerSpec, node: Node) -> LayerSpec:
    """`layer` with the names the whole model gives it and its inner layers, fixed so a half keeps them."""
    inner = None
    if layer.layers is not None:
        inner = [_with_names(sub, child) for sub, child in zip(layer.layers, node.children, strict=True)]
    return LayerSpec(layer.type, layer.params, inner, node.local_name, layer.trainable)


def _no_code_layer(plan: Plan, variational: bool) -> SpecError:
    nested = next((n for n in plan.walk() if n.local_name == CODE_LAYER and n.depth > 0), None)
    if nested is not None:
        return SpecError(
            f"the layer named '{CODE_LAYER}' is inside a block: the bottleneck must be a top-level layer, so "
            "move it out of the block (or name the block itself 'code')",
            layer_path=nested.path,
            layer_type=nested.type.name,
            field="name",
        )
    size = (
        "twice the latent size (a mean and a log-variance for each latent number)"
        if variational
        else "the size of the code"
    )
    return SpecError(
        f"{'a VAE' if variational else 'an autoencoder'} needs a bottleneck: name the layer that "
        f"makes the code '{CODE_LAYER}' (its output is {size}); the layers up to it encode, the layers "
        "after it decode",
        field="layers",
    )


def _check_even_code(plan: Plan, what: str) -> None:
    """SpecError when `plan`'s output cannot hold a mean and a log-variance per latent number."""
    out = plan.output_shape
    if out[0] % 2 == 0:
        return
    want = out[0] + 1
    raise SpecError(
        f"a VAE's encoder outputs a mean and a log-variance for each latent number, so {what} needs an "
        f"even first size: twice the latent size (the latent is half of it). It gives {out}: "
        + fix_last_layer(plan, want)
        + f" for a latent of {want // 2}",
        field="output_shape",
    )


# --- the check before anything is built ---------------------------------------------------------------------


def _check(specs, ds, cfg, options, *, variational: bool) -> None:
    reconstruction = TASKS.get("reconstruction")
    if not reconstruction.suits(cfg.loss):
        raise SpecError(
            f"the {'VAE' if variational else 'autoencoder'} compares its output with its input, numbers, not "
            f"classes: choose {' or '.join(reconstruction.losses)} instead of {cfg.loss}",
            field="loss",
        )
    encoder, decoder = resolve(as_spec(specs["encoder"])), resolve(as_spec(specs["decoder"]))
    data_shape = tuple(ds.input_shape)
    if encoder.spec.input_shape != data_shape:
        raise SpecError(
            f"the encoder takes inputs shaped {encoder.spec.input_shape}, but this dataset's inputs are "
            f"{data_shape}: set the encoder's input_shape to {list(data_shape)}",
            field="input_shape",
        )
    code = encoder.output_shape
    if variational:
        _check_even_code(encoder, "the encoder's output (the code)")
        code = latent_shape(code)
    if decoder.spec.input_shape != code:
        what = "the latent (half the encoder's output)" if variational else "the encoder's output (the code)"
        raise SpecError(
            f"the decoder takes inputs shaped {decoder.spec.input_shape}, but {what} is {code}: set the "
            f"decoder's input_shape to {list(code)}",
            field="input_shape",
        )
    out = decoder.output_shape
    if out != data_shape:
        size = data_shape[-1] if len(out) == len(data_shape) else None
        raise SpecError(
            f"the decoder outputs {out} per example, but it must rebuild the input, shaped {data_shape}: "
            f"in the decoder, {fix_last_layer(decoder, size)}",
            field="output_shape",
        )


# --- the recipes -------------------------------------------------------------------------------------------


class AutoencoderRecipe(SupervisedRecipe):
    """The encoder and the decoder, one after the other, trained as one supervised model whose target is
    its input: the same loss, optimizer and steps as the single model they were split from. Logs "loss".

    One optimizer serves both roles (`optimizers` maps each role to it): they learn together.
    """

    main_role = "encoder"

    def __init__(self, models, ds, cfg, options, device: torch.device):
        self.encoder, self.decoder = models["encoder"].to(device), models["decoder"].to(device)
        model = nn.Sequential(OrderedDict(self._parts()))
        data = TrainData.from_dataset(ds, device, adapt=lambda y, x: x)  # the target is the input
        objective = make_objective(
            cfg.loss, "reconstruction", None, ds.input_shape, l1=cfg.l1, loss_options=cfg.loss_options
        )
        optimizer = optimizer_for(model, cfg)
        schedule = schedule_for(optimizer, cfg, steps_per_epoch(len(data.train[0]), cfg.batch_size))
        super().__init__(model, objective, data, optimizer, schedule)
        self.models = {"encoder": self.encoder, "decoder": self.decoder}
        self.optimizers = {"encoder": optimizer, "decoder": optimizer}
        self.schedules = {"encoder": schedule} if schedule is not None else {}  # stepped once per step

    def _parts(self) -> list[tuple[str, nn.Module]]:
        return [("encoder", self.encoder), ("decoder", self.decoder)]

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The codes of inputs x (a VAE's means), on the CPU: the points of a latent-space picture."""
        return Objective.outputs(self.model[:-1], x.to(self._device)).cpu()

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The inputs the decoder makes from codes z, on the CPU."""
        return Objective.outputs(self.decoder, z.to(self._device)).cpu()

    @property
    def _device(self) -> torch.device:
        return self.data.train[0].device

    @property
    def generative(self) -> bool:
        return False  # it rebuilds inputs; `sample` says why it cannot make new ones

    def sample(self, n: int) -> torch.Tensor:
        raise TrainError(
            "a plain autoencoder cannot make new examples: nothing says where its codes lie, so there is no "
            "distribution to draw a new code from. Train a VAE (recipe 'vae'): it pulls its codes towards a "
            "standard normal, which you can then sample",
            field="recipe",
        )


class VAERecipe(AutoencoderRecipe):
    """Logs "loss" (reconstruction + beta * kl), "reconstruction" and "kl" (per input value). Its `model`
    decodes the means, with no noise: what `evaluate` scores, so validation scores do not jitter."""

    log_names = ("loss", "reconstruction", "kl")

    def __init__(self, models, ds, cfg, options, device: torch.device):
        super().__init__(models, ds, cfg, options, device)
        self.beta = options["beta"]
        self.values_per_example = math.prod(ds.input_shape)
        self.seed = cfg.seed
        self.latent_shape = tuple(self.encode(self.data.train[0][:1]).shape[1:])

    def _parts(self) -> list[tuple[str, nn.Module]]:
        return [("encoder", self.encoder), ("means", Means()), ("decoder", self.decoder)]

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        self.optimizer.zero_grad(set_to_none=True)
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        # The reparameterisation: the noise is an input, so the gradient reaches the mean and the logvar.
        noise = torch.randn(mean.shape, generator=self.generator, device=mean.device, dtype=mean.dtype)
        out = self.decoder(mean + torch.exp(0.5 * logvar) * noise)
        reconstruction = self.objective.loss(out, y)
        kl = self.kl(mean, logvar)
        loss = reconstruction + self.beta * kl
        penalty = self.objective.penalty(self.model)
        (loss if penalty is None else loss + penalty).backward()
        self.optimizer.step()
        self.tally_batch(out.detach(), y)
        return {"loss": loss.detach(), "reconstruction": reconstruction.detach(), "kl": kl.detach()}

    def kl(self, mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """The KL term per input value, on the scale of the reconstruction loss (a mean over values)."""
        return gaussian_kl(mean, logvar).mean() / self.values_per_example

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        scores = super().evaluate(x, y)  # the loss of the means' reconstruction, and its R²
        if not scores:
            return scores
        mean, logvar = Objective.outputs(self.encoder, x).chunk(2, dim=1)
        kl = float(self.kl(mean, logvar))
        return {**scores, "loss": scores["loss"] + self.beta * kl, "reconstruction": scores["loss"], "kl": kl}

    @property
    def generative(self) -> bool:
        return True

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """n inputs decoded from latents drawn from N(0, I), on the CPU. The latents come from the run's
        seed, the same ones at every call, so a view redrawn while training shows the decoder change."""
        z = torch.randn((n, *self.latent_shape), generator=torch.Generator().manual_seed(self.seed))
        return self.decode(z)


class Means(nn.Module):
    """The first half of the code along its first size (after the batch): a VAE's means."""

    def forward(self, code: torch.Tensor) -> torch.Tensor:
        return code.chunk(2, dim=1)[0]


def gaussian_kl(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) || N(0, I)) per example, summed over the latent: (B,). Zero exactly when
    mean = 0 and logvar = 0, positive otherwise."""
    # expm1(v) - v, not exp(v) - 1 - v: for a tiny v, exp(v) rounds to 1 and the KL would come out below 0.
    terms = 0.5 * (mean.pow(2) + (torch.expm1(logvar) - logvar))
    return terms.flatten(1).sum(dim=1)


register_recipe(
    RecipeKind(
        name="autoencoder",
        title="Autoencoder",
        description="An encoder squeezes each input into a small code and a decoder rebuilds the input "
        "from it; both learn to make the rebuilt input match the original.",
        roles=ROLES,
        tasks=DATA_TASKS,
        check=lambda specs, ds, cfg, options: _check(specs, ds, cfg, options, variational=False),
        build=AutoencoderRecipe,
        split_one_model=split_at_code,
    )
)
register_recipe(
    RecipeKind(
        name="vae",
        title="Variational autoencoder",
        description="An autoencoder whose codes are pulled towards a standard normal (the KL term, weighed "
        "by beta), so that decoding random codes makes new examples.",
        roles=ROLES,
        tasks=DATA_TASKS,
        check=lambda specs, ds, cfg, options: _check(specs, ds, cfg, options, variational=True),
        build=VAERecipe,
        params=(BETA,),
        split_one_model=partial(split_at_code, variational=True),
    )
)
