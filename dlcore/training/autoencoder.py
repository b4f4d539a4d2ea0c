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
from contextlib import contextmanager
from dataclasses import replace

import torch

from dlcore.compat import _fix_last_layer, suited_losses
from dlcore.errors import SpecError, TrainError
from dlcore.optim import REGULARISERS, make_loss
from dlcore.params import Param
from dlcore.plan import Node, Plan, as_spec, resolve
from dlcore.spec import LayerSpec, ModelSpec
from dlcore.train import steps_per_epoch  # TODO merge: dlcore.training.loop
from dlcore.training.recipe import (
    Recipe,
    RecipeKind,
    TrainData,
    optimizer_for,
    register_recipe,
    schedule_for,
)

CODE_LAYER = "code"
ROLES = ("encoder", "decoder")
# Inputs an autoencoder can rebuild: numbers (points, images, tables, signals), not token ids.
TASKS = ("generative", "binary", "multiclass", "regression")
EVAL_BATCH = 1024

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
    return LayerSpec(layer.type, layer.params, inner, node.local_name)


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
        else ("the size of the code")
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
        + _fix_last_layer(plan, want)
        + f" for a latent of {want // 2}",
        field="output_shape",
    )


# --- the check before anything is built ---------------------------------------------------------------------


def _check(specs, ds, cfg, options, *, variational: bool) -> None:
    name = "VAE" if variational else "autoencoder"
    if ds.task not in TASKS:
        raise SpecError(
            f"the {name} rebuilds inputs that are numbers (points, images, measurements), but this dataset's "
            f"inputs are tokens ({ds.task}): choose the supervised or language-model recipe, or a dataset of "
            "points or images",
            field="recipe",
        )
    if cfg.loss not in suited_losses("generative"):
        raise SpecError(
            f"the {name} compares its output with its input, which are numbers, not classes: choose "
            f"{' or '.join(suited_losses('generative'))} instead of {cfg.loss}",
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
            f"in the decoder, {_fix_last_layer(decoder, size)}",
            field="output_shape",
        )


# --- the recipes --------------------------------------------------------------------------------------------


class AutoencoderRecipe(Recipe):
    """Encoder and decoder trained together to rebuild their input; logs "loss" (the reconstruction)."""

    main_role = "encoder"

    def __init__(self, models, ds, cfg, options, device: torch.device):
        self.models = {role: models[role].to(device) for role in ROLES}
        self.encoder, self.decoder = self.models["encoder"], self.models["decoder"]
        self.data = TrainData.from_dataset(ds, device)
        # One optimizer per role over its own weights: the optimizers all act weight by weight, so this
        # takes the very steps one optimizer over the whole model would.
        self.optimizers = {role: optimizer_for(model, cfg) for role, model in self.models.items()}
        per_epoch = steps_per_epoch(len(self.data.train[0]), cfg.batch_size)
        self.schedules = {
            role: schedule
            for role, opt in self.optimizers.items()
            if (schedule := schedule_for(opt, cfg, per_epoch)) is not None
        }
        self.loss_fn = make_loss(cfg.loss, **cfg.loss_options)
        self.l1 = cfg.l1
        self.seed = cfg.seed
        self.generator = torch.Generator(device=device).manual_seed(cfg.seed)
        x_train = self.data.train[0].float().reshape(len(self.data.train[0]), -1)
        # R² compares the squared error with the inputs' own spread (sum over values, per example).
        self._spread_per_sample = float(((x_train - x_train.mean(dim=0)) ** 2).sum()) / max(1, len(x_train))
        self._squared_error = torch.zeros((), device=device)

    # --- training ------------------------------------------------------------------------------------

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        for opt in self.optimizers.values():
            opt.zero_grad(set_to_none=True)
        out, logs = self.losses(x)
        loss = logs["loss"]
        if self.l1:
            loss = loss + self.l1 * REGULARISERS.get("l1").factory(
                p for model in self.models.values() for p in model.parameters() if p.requires_grad
            )
        loss.backward()
        for opt in self.optimizers.values():
            opt.step()
        self._squared_error += ((out.detach() - x) ** 2).sum()
        return {name: value.detach() for name, value in logs.items()}

    def losses(self, x: torch.Tensor, noisy: bool = True) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The reconstruction of x and the loss terms keyed by `log_names`."""
        out = self.decoder(self.encoder(x))
        return out, {"loss": self.loss_fn(out, x)}

    def train_scores(self, samples: int) -> dict[str, float]:
        if not samples:
            return {}
        total = float(self._squared_error)  # host sync, once per scored epoch
        self.restart_scores()
        spread = self._spread_per_sample * samples
        return {"train_r2": 1 - total / spread if spread > 0 else 0.0}

    def restart_scores(self) -> None:
        self._squared_error.zero_()

    # --- scoring, codes ------------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Mean loss terms over the split (a VAE decodes its means here: scores do not jitter) and R²."""
        if len(x) == 0:
            return {}
        with _eval_mode(self):
            sums: dict[str, float] = {}
            squared_error = 0.0
            for i in range(0, len(x), EVAL_BATCH):
                xb = x[i : i + EVAL_BATCH]
                out, logs = self.losses(xb, noisy=False)
                for name, value in logs.items():
                    sums[name] = sums.get(name, 0.0) + float(value) * len(xb)
                squared_error += float(((out - xb) ** 2).sum())
        scores = {name: total / len(x) for name, total in sums.items()}
        spread = float(((x - x.mean(dim=0)) ** 2).sum())
        scores["r2"] = 1 - squared_error / spread if spread > 0 else float(squared_error == 0.0)
        return scores

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """The codes of inputs x (a VAE's means), on the CPU: the points of a latent-space picture."""
        with _eval_mode(self):
            return torch.cat([self._code(xb) for xb in self._batches(x)]).cpu()

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The inputs the decoder makes from codes z, on the CPU."""
        with _eval_mode(self):
            return torch.cat([self.decoder(zb) for zb in self._batches(z)]).cpu()

    def _code(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def _batches(self, t: torch.Tensor):
        device = self.data.train[0].device
        return (t[i : i + EVAL_BATCH].to(device) for i in range(0, max(1, len(t)), EVAL_BATCH))

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
    """Logs "loss" (reconstruction + β · kl), "reconstruction" and "kl" (per input value)."""

    log_names = ("loss", "reconstruction", "kl")

    def __init__(self, models, ds, cfg, options, device: torch.device):
        super().__init__(models, ds, cfg, options, device)
        self.beta = options["beta"]
        self.values_per_example = math.prod(ds.input_shape)
        self.latent_shape = tuple(self.encode(self.data.train[0][:1]).shape[1:])

    def losses(self, x: torch.Tensor, noisy: bool = True) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        z = mean
        if noisy:  # the reparameterisation: the noise is an input, so gradients reach mean and logvar
            noise = torch.randn(mean.shape, generator=self.generator, device=mean.device, dtype=mean.dtype)
            z = mean + torch.exp(0.5 * logvar) * noise
        out = self.decoder(z)
        reconstruction = self.loss_fn(out, x)
        kl = gaussian_kl(mean, logvar).mean() / self.values_per_example
        return out, {"loss": reconstruction + self.beta * kl, "reconstruction": reconstruction, "kl": kl}

    def _code(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x).chunk(2, dim=1)[0]

    @property
    def generative(self) -> bool:
        return True

    @torch.no_grad()
    def sample(self, n: int) -> torch.Tensor:
        """n inputs decoded from latents drawn from N(0, I), on the CPU. The latents come from the run's
        seed, the same ones at every call, so a view redrawn while training shows the decoder change."""
        z = torch.randn((n, *self.latent_shape), generator=torch.Generator().manual_seed(self.seed))
        return self.decode(z)


def gaussian_kl(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, exp(logvar)) ‖ N(0, I)) per example, summed over the latent: (B,). Zero exactly when
    mean = 0 and logvar = 0, positive otherwise."""
    # expm1(v) - v, not exp(v) - 1 - v: for a tiny v, exp(v) rounds to 1 and the KL would come out below 0.
    terms = 0.5 * (mean.pow(2) + (torch.expm1(logvar) - logvar))
    return terms.flatten(1).sum(dim=1)


@contextmanager
def _eval_mode(recipe: Recipe):
    """Every model of `recipe` in eval mode inside the block; each gets its own mode back after."""
    modes = {role: model.training for role, model in recipe.models.items()}
    recipe.train(False)
    try:
        yield
    finally:
        for role, model in recipe.models.items():
            model.train(modes[role])


register_recipe(
    RecipeKind(
        name="autoencoder",
        title="Autoencoder",
        description="An encoder squeezes each input into a small code and a decoder rebuilds the input "
        "from it; both learn to make the rebuilt input match the original.",
        roles=ROLES,
        tasks=TASKS,
        check=lambda specs, ds, cfg, options: _check(specs, ds, cfg, options, variational=False),
        build=AutoencoderRecipe,
    )
)
register_recipe(
    RecipeKind(
        name="vae",
        title="Variational autoencoder",
        description="An autoencoder whose codes are pulled towards a standard normal (the KL term, weighed "
        "by beta), so that decoding random codes makes new examples.",
        roles=ROLES,
        tasks=TASKS,
        check=lambda specs, ds, cfg, options: _check(specs, ds, cfg, options, variational=True),
        build=VAERecipe,
        params=(BETA,),
    )
)
