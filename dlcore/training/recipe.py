"""Recipe: one kind of learning (supervised, autoencoder/VAE, GAN, diffusion, language model, adversarial
training) as the models it owns by role, their optimizers, and what one step does with a batch.

The loop (`dlcore.training.loop.fit`) knows nothing of losses or roles: it draws batches, calls
`recipe.step(x, y)`, steps the recipe's learning-rate schedules, and asks for scores at epoch ends.

    recipe = make_recipe("gan", {"generator": g, "discriminator": d}, ds, cfg, device)
    fit(recipe, recipe.data, epochs=20, batch_size=128, callbacks=[...])
    points = recipe.sample(2000)

A recipe kind is registered once (`RECIPES`) with its roles, the dataset tasks it fits, its options as
`Param`s (validated and shown as widgets like every other setting), a `check` that explains a bad model
before anything is built, and a `build` that makes the Recipe.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from dlcore.errors import SpecError, TrainError, excerpt
from dlcore.optim import make_optimizer, make_scheduler
from dlcore.params import Param, ParamValueError, coerce_all
from dlcore.registry import Registry
from dlcore.spec import ModelSpec
from dlcore.tasks import TASKS
from dlcore.training.cuda_graph import make_graphable


@dataclass
class TrainData:
    """(inputs, targets) per split, already on the training device and laid out as the recipe wants."""

    train: tuple[torch.Tensor, torch.Tensor]
    val: tuple[torch.Tensor, torch.Tensor]
    test: tuple[torch.Tensor, torch.Tensor]

    @classmethod
    def from_dataset(cls, ds, device: torch.device, adapt: Callable | None = None) -> TrainData:
        """`adapt(y, x) -> targets` lays targets out for the loss (None: as they are)."""

        def put(pair):
            x, y = pair
            y = adapt(y, x) if adapt is not None else y
            return x.to(device), y.to(device)

        return cls(put(ds.train), put(ds.val), put(ds.test))


class Recipe:
    """What a recipe does; subclasses set the attributes in `__init__` and override the methods.

    models:     role -> nn.Module, on the training device ({"model": m} for a single network).
    optimizers: role -> its optimizer; schedules: role -> its learning-rate schedule (may be empty).
    main_role:  the model probes and snapshots look at by default (the one `probe_input` feeds).
    log_names:  the keys `step` returns, "loss" first: the headline loss the charts and NaN check use;
                others are per-role losses or live measures ("generator_loss", "kl", ...).
    data:       the TrainData the recipe trains on (built by the recipe kind's `build`).
    generator:  a torch.Generator on the device for the recipe's own noise (latents, timesteps).
    capturing:  True while a CUDA graph records `step` (running sums must then stay on the device).
    solo_roles: the roles that can learn alone, one step at a time by hand (a GAN's two players).
    solo:       the role the next step trains alone (one of solo_roles), None: every role; `step` clears
                it. Such a step runs eagerly, outside a captured CUDA graph.
    """

    models: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    schedules: dict[str, Any]
    main_role: str = "model"
    log_names: tuple[str, ...] = ("loss",)
    data: TrainData
    generator: torch.Generator | None = None
    capturing: bool = False
    solo_roles: tuple[str, ...] = ()
    solo: str | None = None

    # --- training -------------------------------------------------------------------------------------

    def step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """One optimisation step (for every role that learns on this batch). Returns device scalars keyed
        by `log_names`; never reads a value on the host (that would stall the device every step)."""
        raise NotImplementedError

    @property
    def capturable(self) -> bool:
        """Can the whole step be captured once in a CUDA graph and replayed? (static shapes, no host
        syncs, optimizers prepared with `prepare_for_graph`)."""
        return False

    def prepare_for_graph(self) -> bool:
        """Ready every optimizer for CUDA-graph capture; False if one cannot be captured."""
        device = self.data.train[0].device
        optimizers = {id(o): o for o in self.optimizers.values()}.values()  # roles may share one
        return all([make_graphable(o, bool(self.schedules), device) for o in optimizers])

    def train_scores(self, samples: int) -> dict[str, float]:
        """Running scores on the training batches since the last call (e.g. train_accuracy); resets.
        `samples`: the training examples stepped on since then (the loop counts them, off the device)."""
        return {}

    def restart_scores(self) -> None:
        """Forget the running training scores without reading them (no host sync)."""

    # --- scoring and sampling -------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Scores on one split in eval mode: {"loss": ..., plus the recipe's metrics}; {} for an empty split.
        The loop logs them as val_<name>; a finished job reports them on the test split as test_<name>."""
        raise NotImplementedError

    def sample(self, n: int) -> torch.Tensor:
        """n new examples (generative recipes only), in the data's normalised space, on the CPU."""
        raise TrainError(f"the {type(self).__name__} makes no new examples", field="recipe")

    @property
    def generative(self) -> bool:
        return type(self).sample is not Recipe.sample

    def probe_input(self, x: torch.Tensor) -> torch.Tensor:
        """Inputs the main model accepts, made from training inputs x (dead-unit and history probes)."""
        return x

    def role_of(self, log_name: str) -> str:
        """Which role a logged value belongs to ("generator_loss" -> "generator"), for divergence advice."""
        for role in self.models:
            if log_name.startswith(role):
                return role
        return self.main_role

    def train(self, mode: bool = True) -> None:
        for model in self.models.values():
            model.train(mode)


@dataclass(frozen=True)
class RecipeKind:
    """A registered recipe: its roles, the dataset tasks it fits, its options, its check and its builder.

    check(specs, ds, cfg, options): raise SpecError naming the role, the layer and the fix when the
        models cannot work together on this data (called before any model is built).
    build(models, ds, cfg, options, device) -> Recipe, with `data` on the device.
    split_one_model(spec) -> {role: spec}: how one model a student built becomes the recipe's roles (an
        autoencoder cut at its 'code' layer); None when the recipe needs a model per role.
    loss_falls: its headline loss falls as it learns (False for a contest such as a GAN's, whose losses
        level off by design and jump as either side gains): the loss-curve health advice applies.
    lab: the page that trains it when only that page does (a race of models side by side); the Train page
        offers the recipes whose lab is None.
    """

    name: str
    title: str
    description: str
    roles: tuple[str, ...]
    tasks: tuple[str, ...]
    check: Callable[..., None]
    build: Callable[..., Recipe]
    params: tuple[Param, ...] = ()
    split_one_model: Callable[[Any], dict[str, ModelSpec]] | None = None
    loss_falls: bool = True
    lab: str | None = None

    def options(self, values: Mapping[str, Any] | None) -> dict[str, Any]:
        """The recipe's options with defaults filled in; TrainError naming the option when one is wrong."""
        values = dict(values or {})
        known = {p.name for p in self.params}
        for key in values:
            if key not in known:
                listing = ", ".join(sorted(known)) or "none"
                raise TrainError(
                    f"the {self.name} recipe has no option {excerpt(key)} (its options: {listing})",
                    field=key,
                )
        try:
            return coerce_all(self.params, values)
        except ParamValueError as err:
            raise TrainError(str(err), field=err.field) from None

    def check_roles(self, specs: Mapping[str, Any]) -> None:
        missing = [r for r in self.roles if r not in specs]
        extra = [r for r in specs if r not in self.roles]
        if missing or extra:
            raise SpecError(
                f"the {self.name} recipe trains {_listing(self.roles)}, but got models for {_listing(specs)}"
                + (f": add a model for {_listing(missing)}" if missing else f": remove {_listing(extra)}"),
                field="models",
            )


def optimizer_for(model: nn.Module, cfg, lr: float | None = None) -> torch.optim.Optimizer:
    """The config's optimizer (name, weight decay, options) over `model`'s trainable weights (a frozen
    layer's stay as they are), at `lr` or cfg.lr, clipping the gradients first when cfg says so."""
    weights = [p for p in model.parameters() if p.requires_grad]
    if not weights:
        problem = (
            "every layer of this model with weights is frozen ('trainable' is off), so nothing can learn: "
            "switch 'trainable' on for at least one layer on the Build page"
            if any(True for _ in model.parameters())
            else "this model has no weights to learn: add a layer that has some, such as Linear"
        )
        raise TrainError(problem, field="trainable")
    optimizer = make_optimizer(
        cfg.optimizer,
        weights,
        cfg.lr if lr is None else lr,
        weight_decay=cfg.weight_decay,
        **cfg.optimizer_options,
    )
    if cfg.clip_grad_norm is not None:
        clip_before_step(optimizer, cfg.clip_grad_norm)
    return optimizer


def clip_before_step(optimizer: torch.optim.Optimizer, max_norm: float) -> None:
    """Before each of `optimizer`'s steps, scale its gradients down so that their total norm is at most
    `max_norm` (gradient clipping; those already shorter are left alone). Every recipe's optimizers come
    from optimizer_for, so this is the one place clipping happens. The hook runs inside the step, so a
    CUDA graph captures it too: clip_grad_norm_ scales on the device and never reads the norm on the host.
    """
    weights = [p for group in optimizer.param_groups for p in group["params"]]

    def clip(_optimizer, _args, _kwargs) -> None:
        nn.utils.clip_grad_norm_(weights, max_norm)

    optimizer.register_step_pre_hook(clip)


def schedule_for(optimizer: torch.optim.Optimizer, cfg, steps_per_epoch: int) -> Any:
    """The config's learning-rate schedule for `optimizer`, or None for a constant rate."""
    if cfg.schedule == "constant":
        return None
    # An upper bound (full batches on CUDA make fewer steps): schedules must not overrun.
    return make_scheduler(cfg.schedule, optimizer, steps_per_epoch * cfg.epochs, **cfg.schedule_options)


def _listing(names) -> str:
    names = [f"'{n}'" for n in names]
    return ", ".join(names) if names else "none"


RECIPES: Registry[RecipeKind] = Registry("recipe", TrainError)


def register_recipe(kind: RecipeKind) -> RecipeKind:
    return RECIPES.register(kind.name, kind)


@dataclass(frozen=True)
class RecipeSpec:
    """A whole training setup as data: the recipe, a model spec per role, and the recipe's options.
    Round-trips through a dict (and JSON): {"recipe": "gan", "models": {"generator": {...}, ...},
    "options": {...}}."""

    recipe: str
    models: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "recipe": self.recipe,
            "models": {
                role: spec.to_dict() if isinstance(spec, ModelSpec) else spec
                for role, spec in self.models.items()
            },
            "options": dict(self.options),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecipeSpec:
        if not isinstance(data, Mapping) or not isinstance(data.get("models"), Mapping):
            raise SpecError(
                "a recipe spec needs 'recipe' and 'models' (a model spec per role)", field="models"
            )
        kind = RECIPES.get(data.get("recipe"))
        models = {role: ModelSpec.from_dict(spec) for role, spec in data["models"].items()}
        kind.check_roles(models)
        return cls(kind.name, models, kind.options(data.get("options")))


def make_recipe(name: str, models: Mapping[str, nn.Module], ds, cfg, device: torch.device) -> Recipe:
    """The recipe `name` over `models` (role -> module, already on `device`) and dataset `ds`, with the
    config's recipe options checked; its noise generator is seeded from the config's seed."""
    kind = RECIPES.get(name)
    kind.check_roles(models)
    recipe = kind.build(dict(models), ds, cfg, kind.options(cfg.recipe_options), device)
    if recipe.generator is None:
        recipe.generator = torch.Generator(device=device).manual_seed(cfg.seed)
    return recipe


def recipe_for(name: str, dataset_task: str) -> RecipeKind:
    """The recipe `name` ("auto": the dataset task's usual one); SpecError when it cannot train this data."""
    kind = RECIPES.get(TASKS.get(dataset_task).default_recipe if name == "auto" else name)
    if dataset_task not in kind.tasks:
        fitting = [k.name for _, k in RECIPES.items() if dataset_task in k.tasks]
        raise SpecError(
            f"the {kind.name} recipe does not fit a {dataset_task} dataset (it trains on "
            f"{', '.join(kind.tasks)} data): choose {' or '.join(fitting) or 'another dataset'}",
            field="recipe",
        )
    return kind
