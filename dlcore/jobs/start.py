"""Starting a job: every check before a thread starts, then the Job in the pool.

job = start_training(spec, ds, TrainConfig(epochs=20), owner=session_id)   # returns at once
"""

from __future__ import annotations

from dataclasses import replace

import torch
from torch import nn

from dlcore.checkpoint import load_checkpoint_state, load_weights
from dlcore.device import resolve_device
from dlcore.errors import SpecError, TrainError
from dlcore.jobs.job import Job, seeded_build
from dlcore.jobs.pool import LOCAL_OWNER, JobPool, job_pool
from dlcore.training import TrainConfig
from dlcore.training.objective import adapt_targets, make_objective


def start_training(
    spec,
    ds,
    cfg: TrainConfig | None = None,
    owner: str = LOCAL_OWNER,
    *,
    paused: bool = False,
    resume_from=None,
    pool: JobPool | None = None,
) -> Job:
    """Check everything, then start training `spec` on dataset `ds` in the background; return the Job.

    Raises (before any thread starts) TrainError for a bad config or a full owner quota, and SpecError
    with advice when the model's output does not fit the loss and the dataset's targets.
    `paused=True` starts paused at step 0 (for stepping from the very first batch). `resume_from`: a
    checkpoint (path, file or bytes from `checkpoint_bytes`) whose weights and step count to continue.
    """
    pool = pool if pool is not None else job_pool()
    saved = load_checkpoint_state(resume_from) if resume_from is not None else None
    job = _prepare(spec, ds, cfg, owner, pool, paused=paused, saved=saved)
    pool.admit(job)
    job._launch()
    return job


def loaded_job(checkpoint, ds, cfg: TrainConfig | None = None, owner: str = LOCAL_OWNER) -> Job:
    """A Job holding a saved model, as a run stopped where the checkpoint was saved; nothing trains.

    The Inspect and Explain pages can look at it at once; `start_training(spec, ds, cfg,
    resume_from=checkpoint)` trains it further. Raises like start_training when it does not fit `ds`.
    """
    saved = load_checkpoint_state(checkpoint)
    job = _prepare(saved[0], ds, cfg, owner, job_pool(), paused=False, saved=saved)
    job._recorder.epoch, job._recorder.step = job._start
    job.status, job.message = "stopped", "loaded from a file: nothing has trained in this tab yet"
    job._done.set()
    return job


def _prepare(spec, ds, cfg, owner, pool: JobPool, *, paused: bool, saved) -> Job:
    """Every check before a run, and the Job with its model; `saved`: (spec, weights, metadata) from
    load_checkpoint_state to continue from, or None."""
    import dlcore

    cfg = replace(cfg or TrainConfig())
    cfg.validate()
    device = resolve_device(cfg.device)
    num_classes = ds.num_classes or getattr(ds, "vocab_size", None)
    # A generative model (an autoencoder) is trained to rebuild its input: the input is the target.
    target_shape = tuple(ds.input_shape if ds.task == "generative" else ds.target_shape)
    dlcore.check_compatibility(spec, ds.task, num_classes, cfg.loss, target_shape=target_shape)
    model = seeded_build(spec, cfg.seed)
    size = sum(p.numel() for p in model.parameters())
    if size > pool.max_parameters:
        raise TrainError(
            f"this model has {size:,} weights, more than the {pool.max_parameters:,} one training may use "
            "here: use fewer units or channels, or fewer layers",
            field="model",
        )
    start_epoch = start_step = 0
    if saved is not None:
        saved_spec, state, meta = saved
        if saved_spec != spec:
            raise TrainError(
                "this checkpoint was saved from a different architecture: load its spec first",
                field="resume_from",
            )
        load_weights(model, state)
        start_epoch, start_step = meta.get("epoch", 0), meta.get("step", 0)
    objective = make_objective(
        cfg.loss,
        ds.task,
        num_classes,
        dlcore.output_shape(spec),
        target_shape,
        l1=cfg.l1,
        loss_options=cfg.loss_options,
    )
    _dry_run(model, objective, ds, cfg.loss)
    return Job(
        spec,
        ds,
        cfg,
        owner,
        pool,
        model=model,
        objective=objective,
        device=device,
        paused=paused,
        start_epoch=start_epoch,
        start_step=start_step,
    )


def _dry_run(model: nn.Module, objective, ds, loss: str) -> None:
    """Two examples through the model and the loss on the CPU, so a mismatch is reported before training."""
    x, y = ds.train
    if len(x) == 0:
        raise TrainError("the training split is empty: there is nothing to learn from", field="dataset")
    model.eval()
    try:
        with torch.no_grad():
            objective.loss(model(x[:2]), adapt_targets(objective, y[:2], x[:2]))
    except RuntimeError as err:
        raise SpecError(
            f"the model's output does not fit the {loss} loss on this dataset ({err}). Check the "
            "last layer's "
            "output size against the number of classes or target values",
            field="loss",
        ) from err
    finally:
        model.train()
