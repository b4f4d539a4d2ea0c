"""The playground's training jobs: one per network (A, and B when comparing), owned by this tab.

The engine's Job does the training; this module only decides when a network needs a new job:
- its architecture, data or seed changed -> a fresh job (new weights, epoch 0), like TF Playground;
- only how it trains changed (learning rate, optimizer, regularisation, batch size) -> a new job that
  continues from the current weights, so a teacher can lower the learning rate mid-lesson (after a run
  diverged, from fresh weights: its own are not numbers any more);
- the job ended on its own (its time limit, or reaped while the tab was on another page) -> the same.
Jobs start paused at step 0, so the page shows the untrained network before anyone presses Play.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

import dlcore
from dlcore import playground as pg
from ui.session import session_owner
from ui.state import PLAYGROUND_PLAYING as PLAYING_KEY
from ui.state import PLAYGROUND_RUNS as RUNS_KEY

HISTORY_LIMIT = 2000  # loss-curve points kept per network (the chart shows at most 300)


@dataclass
class Run:
    """One network's training: its job, the dataset it trains on and what the page has seen of it."""

    job: Any  # dlcore Job, or None when it could not start (error says why)
    model_key: tuple
    training_key: tuple
    dataset: Any
    error: str | None = None
    history: list[dict] = field(default_factory=list)  # epoch, train_loss, test_loss (from the page's polls)
    epoch_offset: int = 0  # epochs trained by earlier jobs of the same network
    weights: dict | None = None  # the latest weights seen, to continue in a new job

    def epoch(self) -> int:
        if self.job is None:
            return self.epoch_offset
        return self.epoch_offset + int(self.job.progress().get("epoch") or 0)


def is_playing() -> bool:
    return bool(st.session_state.get(PLAYING_KEY, False))


def runs() -> dict[str, Run]:
    return st.session_state.setdefault(RUNS_KEY, {})


def load_dataset(state: pg.Playground, network: pg.Network):
    """The dataset one network trains on: same points for A and B, each with its own input features."""
    if state.dataset == "points":
        xy = [p[:2] for p in state.points]
        labels = [p[2] for p in state.points]
        if len(set(labels)) < 2:
            raise dlcore.DataError(
                "add points of at least two classes: pick the other class and click the plane"
            )
        return dlcore.data.from_points(
            xy,
            labels,
            features=list(network.features),
            train_fraction=state.train_ratio / 100,
            val_fraction=0.0,
            seed=state.seed,
        )
    return dlcore.data.load(state.dataset, **pg.dataset_options(state, network))


def sync(state: pg.Playground) -> dict[str, Run]:
    """Make the jobs match the state (see the module docstring); returns side -> Run."""
    current = runs()
    for side in [s for s in current if s not in state.networks()]:
        _stop(current.pop(side))
    for side, network in state.networks().items():
        run = current.get(side)
        model_key, training_key = pg.model_key(state, network), pg.training_key(state, network)
        if run is None or run.model_key != model_key or (failed(run) and run.training_key != training_key):
            # new architecture or data; or new settings after a diverged run, whose weights are NaN
            if run is not None:
                _stop(run)
            current[side] = _start(state, network, model_key, training_key)
        elif run.training_key != training_key or _ended_by_itself(run):
            current[side] = _continue(run, state, network, training_key)
    return current


def _ended_by_itself(run: Run) -> bool:
    """Ended without a training problem: its time limit, or stopped while the tab was elsewhere."""
    return run.job is not None and run.job.status in ("finished", "stopped")


def failed(run: Run) -> bool:
    """Training itself went wrong (e.g. the loss diverged): show `run.job.error`, do not restart."""
    return run.job is not None and run.job.status == "failed"


def _start(state, network, model_key, training_key, weights=None, epoch_offset=0, history=None) -> Run:
    run = Run(None, model_key, training_key, None, epoch_offset=epoch_offset, history=history or [])
    try:
        run.dataset = load_dataset(state, network)
        job = dlcore.start_training(
            pg.model_spec(state, network),
            run.dataset,
            pg.train_config(state, network),
            owner=session_owner(),
            paused=True,
        )
        if weights is not None:
            job.apply(lambda model: model.load_state_dict(weights))
        run.job = job
        if is_playing():
            job.resume()
    except dlcore.DlcoreError as err:
        run.error = err.message
    return run


def _continue(run: Run, state, network, training_key) -> Run:
    weights = current_weights(run)
    epoch = run.epoch()
    _stop(run)
    return _start(state, network, run.model_key, training_key, weights, epoch, run.history)


def current_weights(run: Run) -> dict | None:
    if run.job is not None and run.job.alive:
        try:
            return run.job.snapshot().state_dict()
        except dlcore.DlcoreError:
            pass
    return run.weights


def _stop(run: Run) -> None:
    """Stop a job and wait briefly for its thread, so its slot in the owner's quota is free again."""
    if run.job is not None and run.job.alive:
        run.job.stop("replaced by a new setup")
        run.job.wait(timeout=5)


# --- the buttons --------------------------------------------------------------------------------------
def play() -> None:
    st.session_state[PLAYING_KEY] = True
    for run in runs().values():
        if run.job is not None and run.job.alive:
            run.job.resume()


def pause() -> None:
    st.session_state[PLAYING_KEY] = False
    for run in runs().values():
        if run.job is not None and run.job.alive:
            run.job.pause()


def step() -> None:
    """One epoch for every network, then pause (TF Playground's step button)."""
    st.session_state[PLAYING_KEY] = False
    for run in runs().values():
        if run.job is not None and run.job.alive:
            run.job.step("epoch")


def reset() -> None:
    """Fresh weights from the seed, epoch 0, no history; paused."""
    st.session_state[PLAYING_KEY] = False
    for run in runs().values():
        run.history.clear()
        run.epoch_offset, run.weights = 0, None
        if run.job is not None:
            try:
                run.job.reset()
            except dlcore.DlcoreError:
                run.job = None
    # jobs that could not reset are started again by the next sync
    for side in [s for s, r in runs().items() if r.job is None]:
        runs().pop(side)


def set_parameter(side: str, edge: pg.Edge, value: float) -> None:
    """Type a new value into one weight or bias (TF Playground's hover card); training carries on."""
    run = runs().get(side)
    if run is None or run.job is None:
        return
    setter = pg.parameter_setter(edge, value)
    if run.job.alive:
        run.job.apply(setter)
    run.weights = None
