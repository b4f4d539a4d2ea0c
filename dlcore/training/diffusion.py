"""Diffusion (DDPM): a denoiser learns to spot the noise in noisy data; new examples come from pure noise,
denoised one step at a time.

Noising: T small steps take a clean example x0 to pure noise. After t + 1 of them (timestep index t in
0..T-1) the example is x_t = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε with ε ~ N(0, I); the schedule sets how ᾱ falls
from about 1 to about 0. Training (ε-prediction): draw t and ε, make x_t, and teach the denoiser to
predict ε from x_t and t (mean squared error). Sampling walks back from noise: ancestral sampling takes
all T steps, adding fresh noise at each; DDIM takes a few larger noise-free steps.

The denoiser is told t through extra inputs after the example's own (an embedding of E numbers):
    vector data (N, D):       input size D + E;   images (C, H, W): C + E input channels, each constant
    E = 1:                    t / (T − 1), in [0, 1]
    E even:                   sinusoidal features of t (sin and cos at E / 2 frequencies), as in DDPM
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterator

import torch
from torch import nn

from dlcore.errors import SpecError, TrainError
from dlcore.params import Param
from dlcore.plan import as_spec, resolve
from dlcore.tasks import fix_last_layer
from dlcore.training.distances import energy_distance
from dlcore.training.loop import steps_per_epoch
from dlcore.training.recipe import (
    Recipe,
    RecipeKind,
    TrainData,
    optimizer_for,
    register_recipe,
    schedule_for,
)

PARAMS = (
    Param(
        "timesteps",
        "int",
        100,
        "T: how many small noising steps turn an example into pure noise (and sampling walks back).",
        min=2,
        max=1000,
    ),
    Param(
        "noise_schedule",
        "choice",
        "linear",
        "How fast noise grows with t: 'linear' (the original DDPM's) or 'cosine' (noise grows more gently "
        "at first, so fewer steps are wasted on nearly pure noise).",
        choices=("linear", "cosine"),
    ),
    Param(
        "sampler",
        "choice",
        "ancestral",
        "How new examples are made: 'ancestral' walks back through all T steps adding fresh noise at each; "
        "'ddim' takes fewer, larger steps without added noise.",
        choices=("ancestral", "ddim"),
    ),
    Param(
        "sampling_steps",
        "int",
        20,
        "DDIM's steps from noise to data: fewer is faster, a little rougher (at most the timesteps).",
        min=1,
        max=1000,
    ),
)

DATA_TASKS = ("generation", "binary", "multiclass", "regression")  # any real-valued inputs; labels unused
EVAL_SEED = 0  # evaluation draws the same timesteps and noise every time, so scores compare across epochs
EVAL_BATCH = 1024
CLEAN_MARGIN = 0.1  # a guess of a clean example may leave the training data's range by this share of it
ENERGY_POINTS = 1000  # samples (and data points) in the live energy distance: pairs stay under a million


def alpha_bars(schedule: str, timesteps: int) -> torch.Tensor:
    """ᾱ_t for t = 0..T-1 (float64): the share of the clean signal's variance left after t + 1 steps."""
    if schedule == "linear":
        # DDPM's β from 1e-4 to 0.02 over 1000 steps; scaled by 1000 / T so fewer steps still end in noise.
        scale = 1000 / timesteps
        betas = torch.linspace(scale * 1e-4, scale * 0.02, timesteps, dtype=torch.float64)
    else:
        # Nichol & Dhariwal's cosine: ᾱ follows cos² from 1 to 0; s keeps the first steps from being tiny.
        s = 0.008
        fraction = torch.arange(timesteps + 1, dtype=torch.float64) / timesteps
        f = torch.cos((fraction + s) / (1 + s) * math.pi / 2) ** 2
        betas = 1 - f[1:] / f[:-1]
    return torch.cumprod(1 - betas.clamp(max=0.999), dim=0)


def timestep_features(timesteps: int, size: int) -> torch.Tensor:
    """(T, size) embedding of every timestep: t / (T − 1) for size 1, else sin and cos of t at size / 2
    frequencies from 1 down to 1/10000 (slow ones tell far-apart steps apart, fast ones neighbours)."""
    t = torch.arange(timesteps, dtype=torch.float64)
    if size == 1:
        return (t / (timesteps - 1)).unsqueeze(1)
    half = size // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float64) / half)
    angles = t[:, None] * freqs[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class DenoisingProcess:
    """The noising process and the samplers that walk it back, around one denoiser: what training and the
    views of a trained denoiser (its denoising direction, its way from noise to data) share.

    `options`: the recipe's options (timesteps and noise_schedule as the denoiser was trained with; sampler
    and sampling_steps may differ from training's, since sampling does not change what was learned).
    `data`: training examples (N, ...), whose range bounds the denoiser's guesses of a clean example."""

    def __init__(self, denoiser: nn.Module, options: dict, data: torch.Tensor, device):
        self.models = {"denoiser": denoiser}
        # Where the noise nearly drowns the signal (sqrt(ᾱ) of 0.03 at the cosine schedule's end), x0 = (x_t -
        # sqrt(1 − ᾱ)·ε) / sqrt(ᾱ) multiplies the denoiser's error 30 times: DDIM's first jumps would throw
        # points far off. Guesses are kept near the training data's range (DDPM's clipping to [-1, 1]).
        low, high = float(data.min()), float(data.max())
        self.clean_range = (low - CLEAN_MARGIN * (high - low), high + CLEAN_MARGIN * (high - low))
        self.options = options
        self.device = device
        self.timesteps = t = options["timesteps"]
        self.example_shape = tuple(data.shape[1:])
        # Tables indexed by timestep, on the device: a step gathers rows, never builds them.
        ab = alpha_bars(options["noise_schedule"], t)
        self.alpha_bar_host = ab.tolist()  # the samplers' per-step coefficients, as plain numbers
        self.signal = ab.sqrt().float().to(device)  # sqrt(ᾱ_t)
        self.noise = (1 - ab).sqrt().float().to(device)  # sqrt(1 − ᾱ_t)
        size = _embedding_size(denoiser, self.example_shape)
        self.embedding = timestep_features(t, size).float().to(device)

    # --- the forward (noising) process and the denoiser's input -----------------------------------------

    def _per_example(self, values: torch.Tensor) -> torch.Tensor:
        """(B,) per-timestep values -> (B, 1, ...) to broadcast over examples."""
        return values.view(-1, *([1] * len(self.example_shape)))

    def noisy(self, x0: torch.Tensor, t: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε for a batch x0 (B, ...) at timesteps t (B,)."""
        return torch.addcmul(self._per_example(self.signal[t]) * x0, self._per_example(self.noise[t]), eps)

    def denoiser_input(self, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x_t with t's embedding appended: as features (B, D + E) or as constant planes (B, C + E, H, W)."""
        emb = self.embedding[t]  # (B, E)
        if xt.dim() > 2:
            emb = emb.view(*emb.shape, 1, 1).expand(-1, -1, *xt.shape[2:])
        return torch.cat([xt, emb], dim=1)

    def predict_noise(self, xt: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return self.models["denoiser"](self.denoiser_input(xt, t))

    def clean_guess(self, xt: torch.Tensor, t: int, eps: torch.Tensor) -> torch.Tensor:
        """x0 as the predicted noise ε says it was: x_t with ε's share removed, rescaled (x_t's formula
        solved for x0), for examples all at timestep t."""
        ab = self.alpha_bar_host[t]
        return ((xt - math.sqrt(1 - ab) * eps) / math.sqrt(ab)).clamp(*self.clean_range)

    # --- sampling --------------------------------------------------------------------------------------

    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """n new examples (n, ...) on the CPU, by the configured sampler, from noise drawn from `seed`
        (the same seed shows how the same noise is turned into data as training goes on)."""
        return self._sample(n, seed).cpu()

    def sample_trajectory(self, n: int, keep: int = 10, seed: int = 0) -> list[tuple[int, torch.Tensor]]:
        """The way from noise to data: `keep` (t, x_t) pairs evenly spaced along the sampler's steps, the
        first pure noise (t = T) when keep > 1, the last the new examples (t = 0); t counts the noising
        steps still in x. CPU tensors."""
        if keep < 1:
            raise TrainError(f"keep at least 1 step of the way from noise to data, not {keep}", field="keep")
        points = self._steps() + 1  # the pure noise, then one x per sampler step
        picks = set(torch.linspace(points - 1, 0, min(keep, points)).round().long().tolist())
        return [(t, x.cpu()) for i, (t, x) in enumerate(self._walk_back(n, seed)) if i in picks]

    def _sample(self, n: int, seed: int) -> torch.Tensor:
        """n new examples on the training device (the way there is not kept)."""
        return deque(self._walk_back(n, seed), maxlen=1)[0][1]

    def _steps(self) -> int:
        """The sampler's steps from noise to data."""
        return self.options["sampling_steps"] if self.options["sampler"] == "ddim" else self.timesteps

    def _walk_back(self, n: int, seed: int) -> Iterator[tuple[int, torch.Tensor]]:
        """Yield (t, x_t) from pure noise (t = T) down to new examples (t = 0), one pair per sampler step,
        with the denoiser in eval mode."""
        denoiser = self.models["denoiser"]
        was_training = denoiser.training
        denoiser.eval()
        try:
            with torch.no_grad():
                generator = torch.Generator(device=self.device).manual_seed(seed)
                x = torch.randn((n, *self.example_shape), device=self.device, generator=generator)
                yield self.timesteps, x
                if self.options["sampler"] == "ddim":
                    yield from self._ddim(x)
                else:
                    yield from self._ancestral(x, generator)
        finally:
            denoiser.train(was_training)

    def _ancestral(self, x: torch.Tensor, generator: torch.Generator) -> Iterator[tuple[int, torch.Tensor]]:
        """DDPM: remove the predicted noise's share of one step, then add back fresh noise of the variance
        the true reverse step has (β̃_t = β_t·(1 − ᾱ_{t−1}) / (1 − ᾱ_t)); none at the last step."""
        ab = self.alpha_bar_host
        for t in range(self.timesteps - 1, -1, -1):
            prev = ab[t - 1] if t > 0 else 1.0
            beta = 1 - ab[t] / prev
            eps = self.predict_noise(x, torch.full((len(x),), t, device=x.device))
            x = (x - beta / math.sqrt(1 - ab[t]) * eps) / math.sqrt(1 - beta)
            if t > 0:
                spread = math.sqrt(beta * (1 - prev) / (1 - ab[t]))
                x = x + spread * torch.randn(x.shape, device=x.device, generator=generator)
            yield t, x

    def _ddim(self, x: torch.Tensor) -> Iterator[tuple[int, torch.Tensor]]:
        """DDIM (η = 0): at each of `sampling_steps` timesteps, estimate the clean x0 from the predicted
        noise and jump to the next, smaller, noise level along the same direction; no noise is added, so
        the same starting noise always gives the same samples."""
        ab = self.alpha_bar_host
        ts = torch.linspace(self.timesteps - 1, 0, self._steps()).round().long().tolist()
        for t, after in zip(ts, [*ts[1:], None], strict=True):
            eps = self.predict_noise(x, torch.full((len(x),), t, device=x.device))
            x0 = self.clean_guess(x, t, eps)
            eps = (x - math.sqrt(ab[t]) * x0) / math.sqrt(1 - ab[t])  # the noise that leads to x0 as kept
            if after is None:
                yield 0, x0
            else:
                x = math.sqrt(ab[after]) * x0 + math.sqrt(1 - ab[after]) * eps
                yield after + 1, x


class Diffusion(DenoisingProcess, Recipe):
    """DDPM with ε-prediction: one denoiser (role "denoiser"), its optimizer and schedule."""

    main_role = "denoiser"
    log_names = ("loss",)

    def __init__(self, denoiser: nn.Module, data: TrainData, cfg, options: dict, device: torch.device):
        super().__init__(denoiser, options, data.train[0], device)
        self.optimizers = {"denoiser": optimizer_for(denoiser, cfg)}
        per_epoch = steps_per_epoch(len(data.train[0]), cfg.batch_size)
        schedule = schedule_for(self.optimizers["denoiser"], cfg, per_epoch)
        self.schedules = {"denoiser": schedule} if schedule is not None else {}
        self.data = data
        self.generator = torch.Generator(device=device).manual_seed(cfg.seed)
        self.quarter = max(1, self.timesteps // 4)

    # --- training -------------------------------------------------------------------------------------

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        t, eps = self._draw(x, self.generator)
        optimizer = self.optimizers["denoiser"]
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(self.predict_noise(self.noisy(x, t, eps), t), eps)
        loss.backward()
        optimizer.step()
        return {"loss": loss.detach()}

    def _draw(self, x0: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        t = torch.randint(0, self.timesteps, (len(x0),), device=x0.device, generator=generator)
        eps = torch.randn(x0.shape, device=x0.device, generator=generator)
        return t, eps

    @property
    def capturable(self) -> bool:
        return True  # fixed shapes, no host reads; its noise comes from self.generator, which replays advance

    # --- scoring -------------------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Denoising loss at timesteps spread evenly over 0..T-1 and noise drawn the same way every time:
        over all timesteps, the noisiest quarter and the cleanest quarter (the hardest: there the little
        noise must be told apart from the data's own detail); and for points, the energy distance between
        as many new samples and the split (0: the same cloud)."""
        if len(x) == 0:
            return {}
        denoiser = self.models["denoiser"]
        was_training = denoiser.training
        denoiser.eval()
        try:
            generator = torch.Generator(device=x.device).manual_seed(EVAL_SEED)
            t = self._spread_timesteps(len(x), x.device)
            errors = []  # per example
            for x0, tb in zip(x.split(EVAL_BATCH), t.split(EVAL_BATCH), strict=True):
                eps = torch.randn(x0.shape, device=x.device, generator=generator)
                guess = self.predict_noise(self.noisy(x0, tb, eps), tb)
                errors.append((guess - eps).pow(2).flatten(1).mean(1))
            errors = torch.cat(errors)
            scores = {"loss": float(errors.mean())}
            quarters = {"noisiest": t >= self.timesteps - self.quarter, "cleanest": t < self.quarter}
            for name, part in quarters.items():
                if part.any():  # always, from 4 examples on
                    scores[f"loss_{name}"] = float(errors[part].mean())
            if len(self.example_shape) == 1:  # points: compare clouds (on images it would say little)
                real = x[:ENERGY_POINTS]
                scores["energy_distance"] = energy_distance(self._sample(len(real), EVAL_SEED), real)
            return scores
        finally:
            denoiser.train(was_training)

    def _spread_timesteps(self, n: int, device: torch.device) -> torch.Tensor:
        """n timesteps spread evenly from 0 (clean) to T − 1 (pure noise)."""
        return torch.arange(n, device=device) * self.timesteps // n

    def probe_input(self, x: torch.Tensor) -> torch.Tensor:
        """Training-like inputs: x noised at timesteps spread evenly from clean to pure noise."""
        generator = torch.Generator(device=x.device).manual_seed(EVAL_SEED)
        t = self._spread_timesteps(max(1, len(x)), x.device)[: len(x)]
        eps = torch.randn(x.shape, device=x.device, generator=generator)
        return self.denoiser_input(self.noisy(x, t, eps), t)


# --- checking and building ----------------------------------------------------------------------------


def _embedding_size(denoiser: nn.Module, example_shape: tuple[int, ...]) -> int:
    """E: the denoiser's input features (or channels) beyond the example's, read off its first layer that
    has a size (check() has made sure the spec's input_shape leaves room for E)."""
    positions = math.prod(example_shape[1:])  # an image flattened before its first Linear
    for module in denoiser.modules():
        if isinstance(module, nn.Linear):
            return module.in_features // positions - example_shape[0]
        if isinstance(getattr(module, "in_channels", None), int):
            return module.in_channels - example_shape[0]
    raise SpecError(
        "the denoiser needs a Linear or convolution layer to read the noisy example and its timestep",
        field="layers",
    )


def check(specs, ds, cfg, options) -> None:
    """SpecError naming the denoiser, its layer and the fix when it cannot denoise this data."""
    plan = resolve(as_spec(specs["denoiser"]))
    example = tuple(ds.input_shape)
    if len(example) not in (1, 3):
        raise SpecError(
            f"diffusion here denoises points or feature vectors (N, D) and images (C, H, W), not examples "
            f"shaped {example}: pick such a dataset",
            field="dataset",
        )
    took, out = tuple(plan.spec.input_shape), plan.output_shape
    if out != example:
        size = example[0] if len(out) == len(example) else None
        raise SpecError(
            f"the denoiser predicts the noise added to each example, so it must output the example's shape "
            f"{example}, but it outputs {out}: " + fix_last_layer(plan, size),
            field="output_shape",
        )
    extra = took[0] - example[0] if len(took) == len(example) and took[1:] == example[1:] else 0
    if extra < 1 or (extra > 1 and extra % 2):
        wanted = [example[0] + 1, *example[1:]]
        unit = "input" if len(example) == 1 else "channel"
        raise SpecError(
            f"the denoiser reads a noisy example {example} and its timestep t, so its input_shape must be "
            f"the example's with 1 more {unit} (t itself) or an even number more (sinusoidal features of "
            f"t), but it is {list(took)}: set the denoiser's input_shape to {wanted}",
            field="input_shape",
        )
    if options["sampler"] == "ddim" and options["sampling_steps"] > options["timesteps"]:
        raise TrainError(
            f"DDIM's sampling_steps ({options['sampling_steps']}) cannot be more than the timesteps "
            f"({options['timesteps']}): lower sampling_steps",
            field="sampling_steps",
        )


def build(models, ds, cfg, options, device) -> Diffusion:
    denoiser = models["denoiser"].to(device)
    return Diffusion(denoiser, TrainData.from_dataset(ds, device), cfg, options, device)


DIFFUSION = register_recipe(
    RecipeKind(
        name="diffusion",
        title="Diffusion (DDPM)",
        description=(
            "Learns to remove noise: each step adds a random amount of noise to the data and the denoiser "
            "guesses the noise. New examples start as pure noise, denoised step by step."
        ),
        roles=("denoiser",),
        tasks=DATA_TASKS,
        check=check,
        build=build,
        params=PARAMS,
    )
)
