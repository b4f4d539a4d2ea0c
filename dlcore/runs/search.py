"""A hyper-parameter search: Optuna picks each trial's values, and each trial trains as an ordinary job
(start_training, so it takes turns on the device like every run and is kept as a run of the search's
group). Poor trials are pruned: they report their validation score every epoch, and Optuna's median
pruner stops those below the median of earlier trials at the same epoch.

    search = start_search(plan, spec, ds, cfg, owner=session_id)   # returns at once; trials run in turn
    search.trials()        # one row per trial: number, state, score, the values it tried
    search.job             # the trial training now (a Job: live metrics, pause, stop)
    run_store().runs(group=search.id)   # its trials, kept as runs
    search.importances()   # how much each setting mattered so far (Optuna's fANOVA)

The search ends after its budget of trials, at its time limit, when stopped, or when a trial's job is
stopped from outside (its page went away): it is owned by the tab that owns its jobs.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace

import optuna
import pandas as pd

from dlcore.data import Dataset, load
from dlcore.errors import DataError, TrainError
from dlcore.jobs import Job, JobPool, start_training
from dlcore.jobs.pool import LOCAL_OWNER
from dlcore.runs.search_plan import (
    METHODS,
    PLAN_PARAMS,
    SEARCHABLE,
    Range,
    SearchPlan,
    from_query,
    start_range,
    trial_setup,
    validate,
)
from dlcore.training import Callback, StopTraining, TrainConfig

__all__ = [  # the search and its plan (search_plan.py): what dlcore.search offers pages
    "METHODS",
    "PLAN_PARAMS",
    "PRUNED",
    "SEARCHABLE",
    "Range",
    "Search",
    "SearchPlan",
    "from_query",
    "search_base",
    "start_range",
    "start_search",
    "validate",
]

optuna.logging.set_verbosity(optuna.logging.WARNING)  # the page shows the trials; no log lines per trial

PRUNED = "pruned: its validation score was below the median of earlier trials at this epoch"


class Search:
    """A running (or ended) search; create with `start_search`. Status: "running", then "finished",
    "stopped" or "failed" (`message` says why)."""

    def __init__(
        self, plan: SearchPlan, spec, ds, cfg: TrainConfig, owner: str, pool: JobPool | None, name: str
    ):
        # The id groups its trials in the run store, which several servers may share: unique everywhere.
        self.id, self.name = f"search-{uuid.uuid4().hex[:12]}", name
        self.plan, self.spec, self.dataset, self.config, self.owner = plan, spec, ds, cfg, owner
        self._pool = pool
        # Classifiers are scored by validation accuracy (higher is better), everything else by its loss.
        self.metric = "val_accuracy" if ds.num_classes else "val_loss"
        self.direction = "maximize" if ds.num_classes else "minimize"
        self.study = optuna.create_study(
            direction=self.direction, sampler=_sampler(plan), pruner=_pruner(plan)
        )
        self.status, self.message = "running", ""
        self.job: Job | None = None
        self._rows: list[dict] = []
        self._importances: dict[str, float] = {}
        self._stop_reason: str | None = None
        self._deadline = time.monotonic() + plan.minutes * 60
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"dlcore-{self.id}", daemon=True)

    # --- commands and views (any thread) -----------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.status == "running"

    def stop(self, reason: str = "stopped by you") -> None:
        """End the search: the trial training now stops, no other starts."""
        self._stop_reason = self._stop_reason or reason
        job = self.job
        if job is not None:
            job.stop(reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the search ends (True) or `timeout` seconds pass (False)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def trials(self) -> pd.DataFrame:
        """One row per trial so far: trial (1, 2, ...), state (finished / pruned / failed / stopped /
        running), score, epochs, seconds, job (its Job id), run (its id in the run store, None when it is
        not kept), then one column per setting searched."""
        with self._lock:
            rows = [dict(row) for row in self._rows]
        columns = ["trial", "state", "score", "epochs", "seconds", "job", "run", *self.plan.dimensions()]
        return pd.DataFrame(rows, columns=columns)

    def best(self) -> dict | None:
        """The best finished trial's row, or None before one finished."""
        done = self.trials().query("state == 'finished'").dropna(subset=["score"])
        if done.empty:
            return None
        best = done["score"].idxmax() if self.direction == "maximize" else done["score"].idxmin()
        return done.loc[best].to_dict()

    def importances(self) -> dict[str, float]:
        """Each setting's share of the score's variation over the finished trials (sums to 1), as Optuna
        measures it; empty until two trials with different values finished."""
        return dict(self._importances)

    # --- the search's own thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            budget, seconds = self.plan.budget(), self.plan.minutes * 60
            self.study.optimize(self._objective, n_trials=budget, timeout=seconds)
        except TrainError as err:  # a trial could not start (the owner's limit, a setup that fails)
            self._end("failed", err.message)
            return
        except Exception as err:  # a bug: say so rather than leave the search "running" for ever
            self._end("failed", f"the search failed unexpectedly ({type(err).__name__}: {err})")
            raise
        if self._stop_reason is None and len(self._rows) < budget:
            self._stop_reason = f"stopped at the time limit of {self.plan.minutes:g} min"
        if self._stop_reason is not None:
            self._end("stopped", self._stop_reason)
        else:
            self._end("finished", f"{len(self._rows)} trials")

    def _end(self, status: str, message: str) -> None:
        self.job = None
        self.status, self.message = status, message

    def _objective(self, trial: optuna.Trial) -> float:
        """One trial: its values, trained as a job; its last validation score (Optuna's objective)."""
        if self._stop_reason is not None:
            self.study.stop()
            raise optuna.TrialPruned()  # never started: not a trial of the search's own
        values = {name: _suggest(trial, self.plan, name) for name in self.plan.dimensions()}
        spec, cfg = trial_setup(self.spec, self.config, values)
        remaining = self._deadline - time.monotonic()
        cfg = replace(cfg, epochs=self.plan.epochs, max_seconds=max(1.0, min(cfg.max_seconds, remaining)))
        row = {"trial": len(self._rows) + 1, "state": "running", **values}
        pruning = Pruning(trial, self.metric, self.plan.prune)
        name = f"{self.name} · trial {row['trial']}"
        job = start_training(
            spec,
            self.dataset,
            cfg,
            self.owner,
            paused=True,
            pool=self._pool,
            run_name=name,
            run_group=self.id,
        )
        job.add_callback(pruning)  # before its first step, so every epoch reports
        row["job"], row["run"] = job.id, job.run_id
        with self._lock:
            self._rows.append(row)
        self.job = job
        if self._stop_reason is not None:
            job.stop(self._stop_reason)
        job.resume()
        job.wait()
        return self._outcome(job, row, pruning.pruned)

    def _outcome(self, job: Job, row: dict, pruned: bool) -> float:
        """Record how a trial's job ended; its score, or Optuna's way of saying it was pruned or failed."""
        epochs = job.epoch_metrics()
        scores = epochs[self.metric].dropna() if self.metric in epochs else pd.Series(dtype=float)
        score = float(scores.iloc[-1]) if len(scores) else None
        state = "finished" if job.status == "finished" and score is not None else job.status
        state = "pruned" if pruned else state
        progress = job.progress()
        with self._lock:
            row.update(state=state, score=score, epochs=progress["epoch"], seconds=progress["elapsed_s"])
        if state == "stopped" and self._stop_reason is None:  # stopped from outside: its tab went away
            self._stop_reason = job.message or "a trial was stopped"
        if self._stop_reason is not None:
            self.study.stop()
        self._importances = _importances(self.study)
        if state == "pruned":
            raise optuna.TrialPruned()
        return score if state == "finished" else float("nan")  # nan: Optuna records a failed trial


class Pruning(Callback):
    """Reports a trial's validation score at each scored epoch; stops the job when Optuna prunes it."""

    def __init__(self, trial: optuna.Trial, metric: str, prune: bool):
        self.trial, self.metric, self.prune = trial, metric, prune
        self.pruned = False

    def on_epoch_end(self, epoch, logs):
        if self.metric not in logs:  # this epoch was not scored (scoring is rationed on long epochs)
            return
        self.trial.report(float(logs[self.metric]), epoch)
        if self.prune and self.trial.should_prune():
            self.pruned = True
            raise StopTraining(PRUNED, status="stopped")


def start_search(
    plan: SearchPlan,
    spec,
    ds,
    cfg: TrainConfig | None = None,
    owner: str = LOCAL_OWNER,
    *,
    pool: JobPool | None = None,
    name: str | None = None,
) -> Search:
    """Check the plan against the model and start the search on its own thread; return the Search.
    Its trials are kept as runs named "<name> · trial <n>" (default name: "search at <time>").
    Raises TrainError (before anything starts) for a plan that cannot run on this model."""
    validate(plan, spec)
    name = name or f"search at {time.strftime('%H:%M')}"
    search = Search(plan, spec, ds, cfg or TrainConfig(), owner, pool, name)
    search._thread.start()
    return search


def search_base(record) -> tuple[dict, Dataset, TrainConfig]:
    """What a search around kept run `record` starts from: its model spec, its data (loaded again by
    name, with the same options) and its settings. TrainError for a run a search cannot tune: one of a
    recipe of several models, or on data that was uploaded rather than loaded by name."""
    if len(record.models) != 1 or record.recipe != "supervised":
        raise TrainError(
            f"a search tunes one model's supervised training; run #{record.id} trains "
            f"{len(record.models)} model(s) with the {record.recipe} recipe: tick another run",
            field="run",
        )
    try:
        ds = load(record.dataset, **record.options)
    except DataError as err:
        raise TrainError(
            f"run #{record.id}'s data cannot be loaded again ({err.message}): tick another run", field="run"
        ) from err
    return record.spec, ds, TrainConfig.from_dict(record.config)


def _sampler(plan: SearchPlan) -> optuna.samplers.BaseSampler:
    if plan.method == "grid":
        return optuna.samplers.GridSampler(plan.grid(), seed=plan.seed)
    if plan.method == "random":
        return optuna.samplers.RandomSampler(seed=plan.seed)
    # TPE starts to model the scores after a third of the budget (Optuna's default of 10 random trials
    # would leave a 12-trial search almost nothing to learn from).
    return optuna.samplers.TPESampler(seed=plan.seed, n_startup_trials=max(2, plan.trials // 3))


def _pruner(plan: SearchPlan) -> optuna.pruners.BasePruner:
    if not plan.prune:
        return optuna.pruners.NopPruner()
    # No pruning before 3 trials have finished, nor in a trial's first third of epochs (noisy scores).
    return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=max(1, plan.epochs // 3))


def _suggest(trial: optuna.Trial, plan: SearchPlan, name: str):
    if name == "optimizer":
        return trial.suggest_categorical("optimizer", list(plan.optimizers))
    r = next(r for r in plan.ranges if r.name == name)
    what = SEARCHABLE.get(name)
    if plan.method == "grid":  # the grid sampler hands out the grid's values as they are
        return trial.suggest_categorical(name, plan.grid()[name])
    if what.param.kind == "int":
        return trial.suggest_int(name, int(r.low), int(r.high), log=what.log)
    return trial.suggest_float(name, r.low, r.high, log=what.log)


def _importances(study: optuna.Study) -> dict[str, float]:
    finished = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(finished) < 2:
        return {}
    try:
        # fANOVA (a random forest over the trials) rather than Optuna's default, which needs many trials
        evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
        importances = optuna.importance.get_param_importances(study, evaluator=evaluator)
        return {name: float(share) for name, share in importances.items()}
    except (RuntimeError, ValueError):  # every finished trial tried the same values: nothing to compare
        return {}
