"""Starting a job: every check before a thread starts, then the Job in the pool.

job = start_training(spec, ds, TrainConfig(epochs=20), owner=session_id)   # returns at once
job = start_training({"generator": g, "discriminator": d}, ds, TrainConfig(recipe="gan"))
job = start_training(RecipeSpec.from_dict(json.loads(text)), ds, cfg)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import torch
from torch import nn

from dlcore.checkpoint import load_checkpoint_state, load_weights
from dlcore.device import resolve_device
from dlcore.errors import SpecError, TrainError
from dlcore.jobs.job import Job, all_weights, seeded_build
from dlcore.jobs.pool import LOCAL_OWNER, JobPool, job_pool
from dlcore.jobs.ray_cluster import ray_address
from dlcore.jobs.remote import RayJob
from dlcore.plan import as_spec
from dlcore.runs.recording import record_job
from dlcore.spec import ModelSpec
from dlcore.training import Recipe, RecipeSpec, TrainConfig, make_recipe
from dlcore.training.recipe import recipe_for
from dlcore.transfer import load_matching_weights


def start_training(
    models,
    ds,
    cfg: TrainConfig | None = None,
    owner: str = LOCAL_OWNER,
    *,
    paused: bool = False,
    resume_from=None,
    start_weights=None,
    pool: JobPool | None = None,
    run_name: str | None = None,
    run_group: str | None = None,
) -> Job:
    """Check everything, then start training on dataset `ds` in the background; return the Job.

    `models`: one model (a ModelSpec or its dict), trained by the recipe `cfg.recipe` names ("auto": the
    usual one for the dataset); a model spec per role, `{"generator": g, "discriminator": d}`, for a recipe
    with several; or a RecipeSpec (or its dict) that names its recipe and options itself.
    Raises (before any thread starts) TrainError for a bad config or a full owner quota, and SpecError
    with advice when the models do not fit the recipe, the loss or the dataset's targets.
    `paused=True` starts paused at step 0 (for stepping from the very first batch). `resume_from`: a
    checkpoint (path, file or bytes from `checkpoint_bytes`) whose weights and step count to continue.
    `start_weights`: transfer learning, a saved model's weights to start from (a checkpoint as above, or
    a state dict such as another job's `snapshot().state_dict()`): the layers whose names and shapes
    match take them, the others start fresh; `job.transfer` says which (dlcore.WeightTransfer).
    The run is kept in the run store (`dlcore.run_store()`) under `run_name` (default: the data and the
    settings) and, for a search's trials, `run_group`; `job.run_id` is its id (None if it is not kept).
    With a Ray cluster chosen (`DLP_RAY_ADDRESS`, `dlcore.use_ray`), the job trains in an actor there and
    is a RayJob, used as a local one (dlcore.jobs.remote).
    """
    if resume_from is not None and start_weights is not None:
        raise TrainError("continue a saved run or start from its weights, not both", field="start_weights")
    pool = pool if pool is not None else job_pool()
    saved = load_checkpoint_state(resume_from) if resume_from is not None else None
    if start_weights is not None and not isinstance(start_weights, Mapping):
        start_weights = _weights_in(start_weights)
    job = _prepare(models, ds, cfg, owner, pool, paused=paused, saved=saved, start_weights=start_weights)
    # Kept with the run: a classroom scores only runs that started from fresh weights.
    job.started_from = "checkpoint" if saved is not None else "weights" if start_weights is not None else None
    pool.admit(job)
    record_job(job, run_name, run_group)
    job._launch()
    return job


def loaded_job(checkpoint, ds, cfg: TrainConfig | None = None, owner: str = LOCAL_OWNER) -> Job:
    """A Job holding a saved model (or a recipe's models), as a run stopped where the checkpoint was
    saved; nothing trains.

    The Inspect and Explain pages can look at it at once; `start_training(spec, ds, cfg,
    resume_from=checkpoint)` trains it further. Raises like start_training when it does not fit `ds`.
    """
    saved = load_checkpoint_state(checkpoint)
    job = _prepare(saved[0], ds, cfg, owner, job_pool(), paused=False, saved=saved, here=True)
    job._recorder.epoch, job._recorder.step = job._start
    job.status, job.message = "stopped", "loaded from a file: nothing has trained in this tab yet"
    job._done.set()
    return job


def recipe_spec(models, ds, cfg: TrainConfig) -> RecipeSpec:
    """What to train as one RecipeSpec: the recipe, a checked model spec per role, its checked options."""
    if isinstance(models, Mapping) and "recipe" in models and "models" in models:
        models = RecipeSpec.from_dict(models)
    if isinstance(models, RecipeSpec):
        if cfg.recipe not in ("auto", models.recipe):
            raise TrainError(
                f"the models are set up for the {models.recipe} recipe, but the settings ask for "
                f"{cfg.recipe}: choose one",
                field="recipe",
            )
        return RecipeSpec.from_dict(models.to_dict())  # the same checks as one read from a file
    kind = recipe_for(cfg.recipe, ds.task)
    if isinstance(models, ModelSpec) or (isinstance(models, Mapping) and "layers" in models):
        if kind.split_one_model is not None:  # one autoencoder, cut at its 'code' layer
            models = kind.split_one_model(models)
        else:  # the recipe's only role (the "model" of supervised learning, a diffusion "denoiser")
            models = {kind.roles[0] if len(kind.roles) == 1 else "model": models}
    specs = {role: as_spec(spec) for role, spec in models.items()}
    kind.check_roles(specs)
    return RecipeSpec(kind.name, specs, kind.options(cfg.recipe_options))


def _prepare(
    models, ds, cfg, owner, pool: JobPool, *, paused: bool, saved, start_weights=None, here: bool = False
) -> Job | RayJob:
    """Every check before a run, and the Job with its models; `saved`: (spec or RecipeSpec, weights,
    metadata) from load_checkpoint_state to continue from, or None; `start_weights`: a state dict whose
    matching layers the models start from, or None. A RayJob when a Ray cluster is chosen, unless `here`."""
    cfg = replace(cfg or TrainConfig())
    cfg.validate()
    setup = recipe_spec(models, ds, cfg)
    cfg.recipe_options = dict(setup.options)
    kind = recipe_for(setup.recipe, ds.task)  # SpecError when the recipe does not train this data
    remote = not here and ray_address() is not None
    device = torch.device("cpu") if remote else resolve_device(cfg.device)  # on Ray: the node's, chosen there
    kind.check(setup.models, ds, cfg, setup.options)
    built = seeded_build(setup.models, cfg.seed)
    size = sum(p.numel() for model in built.values() for p in model.parameters())
    if size > pool.max_parameters:
        what = "this model has" if len(built) == 1 else "these models have"
        raise TrainError(
            f"{what} {size:,} weights, more than the {pool.max_parameters:,} one training may use "
            "here: use fewer units or channels, or fewer layers",
            field="model",
        )
    start_epoch = start_step = 0
    if saved is not None:
        _load_saved(built, setup, saved)
        start_epoch, start_step = saved[2].get("epoch", 0), saved[2].get("step", 0)
    transfer = None if start_weights is None else load_matching_weights(all_weights(built), start_weights)
    recipe = _dry_run(setup, built, ds, cfg)
    return (RayJob if remote else Job)(
        setup,
        ds,
        cfg,
        owner,
        pool,
        models=built,
        recipe=recipe,
        device=device,
        paused=paused,
        start_epoch=start_epoch,
        start_step=start_step,
        start_weights=start_weights,
        transfer=transfer,
    )


def _load_saved(built: dict[str, nn.Module], setup: RecipeSpec, saved) -> None:
    """The checkpoint's weights into the models built, when it holds the same architectures."""
    saved_spec, state, _ = saved
    several = isinstance(saved_spec, RecipeSpec)
    saved_models = saved_spec.models if several else {next(iter(setup.models)): saved_spec}
    if saved_models != setup.models:
        raise TrainError(
            "this checkpoint was saved from a different architecture: load its spec first",
            field="resume_from",
        )
    # one model's weights as they are; several under their role ("generator.0.weight")
    load_weights(nn.ModuleDict(built) if several else next(iter(built.values())), state)


def _weights_in(checkpoint) -> dict[str, torch.Tensor]:
    """A checkpoint's weights keyed as all_weights keys them: a recipe's single model's without its role."""
    spec, state, _ = load_checkpoint_state(checkpoint)
    if isinstance(spec, RecipeSpec) and len(spec.models) == 1:
        prefix = f"{next(iter(spec.models))}."
        state = {key.removeprefix(prefix): tensor for key, tensor in state.items()}
    return state


def _dry_run(setup: RecipeSpec, models: dict[str, nn.Module], ds, cfg) -> Recipe:
    """The recipe over the models on the CPU, and two training examples through its scoring, so a
    mismatch is reported before training. Returns that recipe."""
    if len(ds.train[0]) == 0:
        raise TrainError("the training split is empty: there is nothing to learn from", field="dataset")
    try:
        recipe = make_recipe(setup.recipe, models, ds, cfg, torch.device("cpu"))
        x, y = recipe.data.train
        recipe.evaluate(x[:2], y[:2])
    except RuntimeError as err:
        if len(models) == 1:
            raise SpecError(
                f"the model's output does not fit the {cfg.loss} loss on this dataset ({err}). Check the "
                "last layer's output size against the number of classes or target values",
                field="loss",
            ) from err
        raise SpecError(
            f"the {setup.recipe} recipe could not run its models on this dataset ({err}). Check each "
            "model's input and output sizes",
            field="models",
        ) from err
    finally:
        for model in models.values():
            model.train()
    return recipe
